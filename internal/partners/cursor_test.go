package partners

import (
	"bytes"
	"testing"
)

func newTestCursors(t testing.TB, seed byte) *Cursors {
	t.Helper()
	c, err := NewCursors(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCursorRoundTrip(t *testing.T) {
	c := newTestCursors(t, 1)
	token := c.Seal("ten_A", "status=active", `{"pk":"T#ten_A"}`)
	got, err := c.Open("ten_A", "status=active", token)
	if err != nil || got != `{"pk":"T#ten_A"}` {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestCursorRefusesForeignAndForged(t *testing.T) {
	c := newTestCursors(t, 1)
	token := c.Seal("ten_A", "status=active", "position")
	flipped := []byte(token)
	flipped[len(flipped)/2] ^= 1
	tests := map[string]struct {
		cursors       *Cursors
		tenant, query string
		token         string
	}{
		"another tenant":  {c, "ten_B", "status=active", token},
		"another query":   {c, "ten_A", "status=inactive", token},
		"another key":     {newTestCursors(t, 2), "ten_A", "status=active", token},
		"flipped bit":     {c, "ten_A", "status=active", string(flipped)},
		"not base64":      {c, "ten_A", "status=active", "!!!"},
		"too short":       {c, "ten_A", "status=active", "AAAA"},
		"empty":           {c, "ten_A", "status=active", ""},
		"plain JSON text": {c, "ten_A", "status=active", `{"pk":"T#ten_A"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := tt.cursors.Open(tt.tenant, tt.query, tt.token)
			if got := fields(t, err); len(got) != 1 || got[0] != "cursor" {
				t.Errorf("fields = %v, want [cursor]", got)
			}
		})
	}
}

func FuzzCursorOpen(f *testing.F) {
	c := newTestCursors(f, 1)
	f.Add(c.Seal("ten_A", "q", "position"))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, token string) {
		position, err := c.Open("ten_A", "q", token)
		if err == nil && position != "position" {
			t.Fatalf("opened a cursor we did not seal: %q", position)
		}
	})
}
