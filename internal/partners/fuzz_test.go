package partners

import (
	"strings"
	"testing"
)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+49 30 901820", "030 901820", "+1 (415) 555-2671", "+", "++1", "+999999999999999999999"} {
		f.Add(s, "DE")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		got, reason := NormalizePhone(in, region)
		if reason == "" {
			if !strings.HasPrefix(got, "+") || len(got) > 16 {
				t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", in, region, got)
			}
			again, reason := NormalizePhone(got, "")
			if reason != "" || again != got {
				t.Fatalf("E.164 %q does not normalise to itself: %q, %q", got, again, reason)
			}
		}
	})
}

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
