package partners

import (
	"strings"
	"testing"
)

// Each edge of Cognito's password rules (see CheckPassword), under the
// product's policy: 12 characters, a-z, A-Z and 0-9.
func TestCheckPasswordFollowsCognito(t *testing.T) {
	tests := []struct {
		name     string
		password string
		want     string // the code, "" for accepted
	}{
		{"the policy's minimum", "Abcdefghij12", ""},
		{"one short of the minimum", "Abcdefghi12", passwordWeak},
		{"exactly 256 characters", "Aa1" + strings.Repeat("x", 253), ""},
		{"257 characters", "Aa1" + strings.Repeat("x", 254), passwordTooLong},
		{"256 characters counted as characters, not bytes", "Aa1" + strings.Repeat("é", 253), ""},
		{"a leading space", " Abcdefghij12", passwordSpaces},
		{"a trailing space", "Abcdefghij12 ", passwordSpaces},
		{"a leading tab", "\tAbcdefghij12", passwordSpaces},
		{"a space inside", "Abcdef ghij12", ""},
		{"a line break inside", "Abcdef\nghij12", passwordLineBrk},
		{"a leading no-break space is not white space to Cognito", "\u00a0Abcdefghij12", ""},
		{"non-ASCII letters are allowed", "Ünïcødé-Pass1", ""},
		{"non-ASCII capitals do not count as upper-case", "ÄÖÜabcdefgh12", passwordWeak},
		{"non-ASCII small letters do not count as lower-case", "ÄÖÜABCDEFGH12äöü", passwordWeak},
		{"non-ASCII digits do not count as digits", "Abcdefghijk٣", passwordWeak},
		{"no upper-case", "abcdefghij12", passwordWeak},
		{"no lower-case", "ABCDEFGHIJ12", passwordWeak},
		{"no digit", "Abcdefghijkl", passwordWeak},
		{"empty", "", passwordRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := DefaultPasswordPolicy.CheckPassword(tt.password)
			if code != tt.want {
				t.Errorf("CheckPassword(%q) = %q (%s), want %q", tt.password, code, msg, tt.want)
			}
			if (code == "") != (msg == "") {
				t.Errorf("code %q with message %q", code, msg)
			}
		})
	}
}
