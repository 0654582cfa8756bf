package partners

import (
	"strings"
	"testing"
)

func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"ada@acme.example", "Ada <ada@acme.example>", "a@b", "\"a b\"@c.de", "@", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if ValidEmail(in) && (strings.ContainsAny(in, "<> \t\r\n") && !strings.HasPrefix(in, "\"")) {
			t.Fatalf("ValidEmail(%q) accepted a display name or whitespace", in)
		}
	})
}
