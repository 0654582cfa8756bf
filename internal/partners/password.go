package partners

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PasswordPolicy is what a partner's password must meet. The product checks
// it itself, to say clearly what is wrong and because Cognito's emulator does
// not, and every tenant's pool is made with the same policy. The check is
// Cognito's own, rule for rule, so that a password we accept is never one
// Cognito refuses, and the other way round.
type PasswordPolicy struct {
	MinLength        int
	RequireLowercase bool
	RequireUppercase bool
	RequireDigit     bool
}

// DefaultPasswordPolicy is the policy of every tenant's pool.
var DefaultPasswordPolicy = PasswordPolicy{MinLength: 12, RequireLowercase: true, RequireUppercase: true, RequireDigit: true}

// MaxPasswordLength is Cognito's limit on any password, whatever the policy.
const MaxPasswordLength = 256

// Password problems, as field error codes.
const (
	passwordRequired = "required"
	passwordTooLong  = "too_long"
	passwordSpaces   = "leading_or_trailing_space"
	passwordLineBrk  = "line_break"
	passwordWeak     = "weak_password"
)

// CheckPassword returns what is wrong with a new password under the policy,
// as a field error code and a sentence; an empty code when nothing is.
//
// Cognito's rules, which these follow exactly:
//   - length is counted in characters (not bytes), at most 256;
//   - the first and the last character may not be white space, and no
//     character may be a line break (the API's pattern ^[\S]+.*[\S]+$, where
//     \S and . are Java's: ASCII white space, and any character but a line
//     terminator);
//   - "upper-case" and "lower-case" mean the Basic Latin letters A–Z and
//     a–z, and "digit" 0–9: other letters are allowed but count for none.
func (p PasswordPolicy) CheckPassword(password string) (code, message string) {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return passwordRequired, "Enter a password."
	case n > MaxPasswordLength:
		return passwordTooLong, fmt.Sprintf("The password must be at most %d characters.", MaxPasswordLength)
	case strings.ContainsAny(password, "\n\r\u0085\u2028\u2029"):
		return passwordLineBrk, "The password cannot contain a line break."
	case isASCIISpace(firstRune(password)) || isASCIISpace(lastRune(password)):
		return passwordSpaces, "The password cannot start or end with a space."
	}
	var missing []string
	if n < p.MinLength {
		missing = append(missing, fmt.Sprintf("at least %d characters", p.MinLength))
	}
	if p.RequireLowercase && !strings.ContainsAny(password, "abcdefghijklmnopqrstuvwxyz") {
		missing = append(missing, "a lower-case letter (a–z)")
	}
	if p.RequireUppercase && !strings.ContainsAny(password, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		missing = append(missing, "an upper-case letter (A–Z)")
	}
	if p.RequireDigit && !strings.ContainsAny(password, "0123456789") {
		missing = append(missing, "a digit")
	}
	if len(missing) > 0 {
		return passwordWeak, "The password needs " + strings.Join(missing, ", ") + "."
	}
	return "", ""
}

// passwordError is CheckPassword's verdict as an Invalid error, or nil.
func (p PasswordPolicy) passwordError(password string) error {
	if code, msg := p.CheckPassword(password); code != "" {
		return InvalidField("password", code, msg)
	}
	return nil
}

// isASCIISpace is Java's \s: space, tab, line feed, vertical tab, form feed,
// carriage return.
func isASCIISpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }
