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
