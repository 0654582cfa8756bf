package seal

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	master := bytes.Repeat([]byte{7}, MasterKeyLen)
	cursors, _ := New(master, "cursor")
	tokens, _ := New(master, "token")
	other, _ := New(bytes.Repeat([]byte{8}, MasterKeyLen), "cursor")
	sealed := cursors.Seal([]byte("secret"), []byte("ten_A"))
	if got, err := cursors.Open(sealed, []byte("ten_A")); err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"other associated data": func() ([]byte, error) { return cursors.Open(sealed, []byte("ten_B")) },
		"other purpose":         func() ([]byte, error) { return tokens.Open(sealed, []byte("ten_A")) },
		"other master":          func() ([]byte, error) { return other.Open(sealed, []byte("ten_A")) },
		"truncated":             func() ([]byte, error) { return cursors.Open(sealed[:10], []byte("ten_A")) },
		"not base64":            func() ([]byte, error) { return cursors.Open("***", []byte("ten_A")) },
	} {
		if _, err := open(); err != ErrOpen {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	if _, err := New([]byte("short"), "x"); err == nil {
		t.Error("a short master key was accepted")
	}
}

// A rotation: values sealed with the old secret still open while it is
// given as the previous one; new values are sealed with the new secret.
func TestRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, MasterKeyLen), bytes.Repeat([]byte{2}, MasterKeyLen)
	before, _ := New(oldKey, "token")
	during, _ := New(newKey, "token", oldKey)
	after, _ := New(newKey, "token")
	old := before.Seal([]byte("in flight"), nil)
	if got, err := during.Open(old, nil); err != nil || string(got) != "in flight" {
		t.Fatalf("the previous secret's value during the rotation: %q, %v", got, err)
	}
	fresh := during.Seal([]byte("new"), nil)
	if got, err := after.Open(fresh, nil); err != nil || string(got) != "new" {
		t.Errorf("a value sealed during the rotation, after it: %q, %v", got, err)
	}
	if _, err := after.Open(old, nil); err != ErrOpen {
		t.Errorf("the old secret's value after the rotation: %v, want ErrOpen", err)
	}
	macBefore, _ := NewMAC(oldKey, "form")
	macDuring, _ := NewMAC(newKey, "form", oldKey)
	if !macDuring.Verify("x", macBefore.Sum("x")) || macDuring.Verify("y", macBefore.Sum("x")) {
		t.Error("MACs across the rotation")
	}
	if _, err := (&Box{}).Open(old, nil); err != ErrNoKey {
		t.Errorf("a box without a secret: %v", err)
	}
}
