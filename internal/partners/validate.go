package partners

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on free-text fields, in characters (runes).
const (
	maxNameLen     = 200
	maxShortText   = 100
	maxURLLen      = 2048
	maxEmailLen    = 254
	maxPrograms    = 50
	maxProgramName = 100
)

// checkText adds a problem if value is missing (when required), too long, or
// holds control characters.
func checkText(fe *fieldErrors, field, value string, required bool, max int) {
	switch {
	case value == "" && required:
		fe.add(field, "required", field+" is required.")
	case !utf8.ValidString(value):
		fe.add(field, "invalid_utf8", field+" is not valid UTF-8.")
	case utf8.RuneCountInString(value) > max:
		fe.add(field, "too_long", field+" must be at most "+strconv.Itoa(max)+" characters.")
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		fe.add(field, "invalid_characters", field+" must not contain control characters.")
	}
}

// NormalizeEmail returns the form in which emails are compared: trimmed and
// lower-cased. The typed form is kept for display.
//
// It composes the address (NFC) and lower-cases it, and folds nothing onto
// ASCII: a character that is not ASCII but would become ASCII — KELVIN SIGN
// U+212A, which NFC itself turns into K, or U+0130, which lower-cases to i —
// is kept as it is, so that no address can be made to collide with a
// distinct ASCII one. (Such addresses are refused for invitations anyway:
// SES cannot send to them. This keeps lookups of them apart too.)
func NormalizeEmail(email string) string {
	email = strings.TrimSpace(email)
	var b strings.Builder
	from := 0
	for i, r := range email {
		if r > unicode.MaxASCII && foldsToASCII(r) {
			b.WriteString(strings.ToLower(norm.NFC.String(email[from:i])))
			b.WriteRune(r)
			from = i + utf8.RuneLen(r)
		}
	}
	b.WriteString(strings.ToLower(norm.NFC.String(email[from:])))
	return b.String()
}

// foldsToASCII reports whether lower-casing or composing a non-ASCII rune
// would give ASCII.
func foldsToASCII(r rune) bool {
	return unicode.ToLower(r) <= unicode.MaxASCII || deliverable(norm.NFC.String(string(r)))
}

// deliverable reports whether SES can send to an address: it supports no
// SMTPUTF8, so the whole address must be 7-bit ASCII (an internationalised
// domain in its xn-- form).
func deliverable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// ValidEmail reports whether s is a plain address (no display name) with a
// dotted domain: what a person types into a form.
func ValidEmail(s string) bool {
	if s == "" || len(s) > maxEmailLen {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func checkEmail(fe *fieldErrors, field, value string, required bool) {
	switch {
	case value == "" && required:
		fe.add(field, "required", field+" is required.")
	case value != "" && !ValidEmail(value):
		fe.add(field, "invalid_email", field+" is not a valid email address.")
	case value != "" && !deliverable(value):
		fe.add(field, "undeliverable_email", fmt.Sprintf("%s (%s) has characters our email cannot be sent to: use ASCII only, with an internationalised domain in its xn-- form.", field, value))
	}
}

// PhoneNormalizer puts a phone number as typed — international, or
// national for the region (ISO alpha-2, may be empty) — into E.164, or gives
// a sentence, naming "phone", saying why it cannot. internal/phones is the
// implementation; it links libphonenumber, whose metadata costs ~8 ms at
// every cold start, so only the functions that take phones are given one.
type PhoneNormalizer func(s, region string) (e164, reason string)

func (n PhoneNormalizer) normalize(s, region string) (string, string) {
	if n == nil {
		panic("partners: a phone number reached a function wired without phone numbers (see internal/app)")
	}
	return n(s, region)
}

// checkHTTPSURL adds a problem unless value is an absolute https URL.
func checkHTTPSURL(fe *fieldErrors, field, value string) {
	if value == "" {
		return
	}
	if len(value) > maxURLLen {
		fe.add(field, "too_long", field+" must be at most "+strconv.Itoa(maxURLLen)+" characters.")
		return
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		fe.add(field, "invalid_url", field+" must be an absolute https URL.")
	}
}

// checkHTTPSURLOrLocal is checkHTTPSURL, but also allows http on loopback
// hosts, for portals developed locally.
func checkHTTPSURLOrLocal(fe *fieldErrors, field, value string) {
	if u, err := url.Parse(value); err == nil && u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1") {
		return
	}
	checkHTTPSURL(fe, field, value)
}
