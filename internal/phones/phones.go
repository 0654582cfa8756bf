// Package phones checks phone numbers with libphonenumber
// (github.com/nyaruka/phonenumbers) and writes them in E.164. It is a package
// of its own because linking libphonenumber costs every cold start ~8 ms (its
// metadata is parsed at init): only the functions that take phones link it.
package phones

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize parses a phone number, in international form or national
// form for the given region (ISO alpha-2, may be empty), and returns it in
// E.164. The reason is a sentence for the caller when it fails.
func Normalize(s, region string) (e164 string, reason string) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") && region == "" {
		return "", "phone must be in international form, starting with + and the country code."
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", "phone is not a phone number."
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", "phone is not a valid number for its country."
	}
	e164 = phonenumbers.Format(num, phonenumbers.E164)
	// libphonenumber admits some national numbers too long for E.164,
	// which allows 15 digits (found by FuzzNormalize).
	if len(e164) > 16 {
		return "", "phone is too long for an international number."
	}
	return e164, ""
}
