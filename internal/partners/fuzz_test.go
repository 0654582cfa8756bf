package partners

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

// FuzzParseAddress holds the "Name <address>" parser, which pasted lists
// and CSV cells share, to its promises: an entry is an address or a
// problem, never both; an address is a valid one and parses back to
// itself; and the display name it finds, which becomes the person's first
// and last name, holds no control characters (an RFC 2047 encoded word can
// decode to CR LF or NUL).
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"ada@acme.example", "Ada Lovelace <ada@acme.example>", `"Hopper, Grace" <grace@x.io>`, "Hopper, Grace <g@x.io>",
		"<bare@x.io>", "=?utf-8?q?Ada=0D=0ABcc:_x?= <a@b.io>", "=?utf-8?b?QWRhAA==?= <a@b.io>", "a<b <c@d.io>", "<>", `"" <>`,
		`"a\"b" <a@b.io>`, "Ada <ada@acme.example", "Ada\t\u0085Lovelace <ada@acme.example>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e := ParseAddress(in)
		if (e.Email == "") == (e.Problem == "") {
			t.Fatalf("ParseAddress(%q) = %+v: neither or both of Email and Problem", in, e)
		}
		if e.Input != strings.TrimSpace(in) {
			t.Fatalf("ParseAddress(%q) kept %q as the input", in, e.Input)
		}
		if e.Email == "" {
			return
		}
		if !ValidEmail(e.Email) {
			t.Fatalf("ParseAddress(%q) found the invalid address %q", in, e.Email)
		}
		if again := ParseAddress(e.Email); again.Email != e.Email || again.Name != "" {
			t.Fatalf("the address %q of %q parses as %+v", e.Email, in, again)
		}
		first, last := e.PersonName()
		for _, s := range []string{e.Name, first, last} {
			if strings.IndexFunc(s, unicode.IsControl) >= 0 || !utf8.ValidString(s) {
				t.Fatalf("ParseAddress(%q): the name %q holds control characters or is not UTF-8", in, s)
			}
		}
	})
}

// FuzzNormalizeEmail holds email normalisation, the form in which addresses
// are compared and looked up, to: normalising twice changes nothing; the
// result has no surrounding white space; an ASCII address is only trimmed
// and lower-cased; and no address that is not ASCII normalises to an ASCII
// one (which would let it collide with a distinct address).
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		" Ada@Acme.Example ", "\u212Aelvin@x.io", "\u0130stanbul@x.io", "e\u0301@x.io", "\u00e9@x.io", "A\u030a@x.io",
		"\u037e@x.io", "\u1fef@x.io", "\xff@x.io", "\u00a0a@x.io\u2003", "ǅ@x.io", "ß@x.io", "\u1e9e@x.io",
	} {
		f.Add(s)
	}
	ascii := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] > unicode.MaxASCII {
				return false
			}
		}
		return true
	}
	f.Fuzz(func(t *testing.T, in string) {
		n := NormalizeEmail(in)
		if again := NormalizeEmail(n); again != n {
			t.Fatalf("NormalizeEmail(%q) = %q, which normalises again to %q", in, n, again)
		}
		if n != strings.TrimSpace(n) {
			t.Fatalf("NormalizeEmail(%q) = %q: white space around it", in, n)
		}
		trimmed := strings.TrimSpace(in)
		if ascii(trimmed) && n != strings.ToLower(trimmed) {
			t.Fatalf("NormalizeEmail(%q) = %q: an ASCII address is only lower-cased", in, n)
		}
		if ascii(n) && !ascii(trimmed) {
			t.Fatalf("NormalizeEmail(%q) = %q: an address that is not ASCII became ASCII", in, n)
		}
	})
}
