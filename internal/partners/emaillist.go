package partners

import (
	"net/mail"
	"strings"
	"unicode"
)

// ListEntry is one address of a pasted list: what was typed, and the address
// and name found in it, or why it is not an address.
type ListEntry struct {
	Input string
	Email string
	Name  string
	// Problem is empty for a good address; otherwise a code such as
	// "invalid_email".
	Problem string
}

// ParseEmailList splits text pasted from a spreadsheet or a mail client into
// addresses: separated by commas, semicolons, white space or new lines, each
// either bare (ada@acme.example) or with a name ("Lovelace, Ada"
// <ada@acme.example>). Every piece of the input is accounted for: what is not
// an address comes back as an entry with a Problem, never dropped.
func ParseEmailList(text string) []ListEntry {
	var entries []ListEntry
	for _, chunk := range splitOutside(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t' }) {
		entries = append(entries, parseChunk(chunk)...)
	}
	return entries
}

// PersonName splits the entry's display name into first and last name (see
// SplitPersonName).
func (e ListEntry) PersonName() (first, last string) {
	return SplitPersonName(e.Name)
}

// SplitPersonName splits a display name as people write it in a mail client
// or a spreadsheet: "Last, First" at the comma, otherwise "First Last" at
// the last space, so that middle names stay with the first name ("Grace
// Brewster Hopper" is Grace Brewster, Hopper). Pasted lists and CSV files
// both use it.
func SplitPersonName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if l, f, ok := strings.Cut(name, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return strings.TrimSpace(name[:i]), name[i+1:]
	}
	return name, ""
}

// ParseAddress reads one address, bare or with a name.
func ParseAddress(s string) ListEntry {
	s = strings.TrimSpace(s)
	e := ListEntry{Input: s}
	if ValidEmail(s) {
		e.Email = s
		return e
	}
	if strings.Contains(s, "<") {
		if addr, err := mail.ParseAddress(s); err == nil && ValidEmail(addr.Address) {
			e.Email, e.Name = addr.Address, displayName(addr.Name)
			return e
		}
		// People type names that RFC 5322 wants quoted (Hopper, Grace <g@x.io>).
		if open := strings.LastIndexByte(s, '<'); strings.HasSuffix(s, ">") && ValidEmail(s[open+1:len(s)-1]) {
			e.Email = s[open+1 : len(s)-1]
			e.Name = displayName(strings.Trim(strings.TrimSpace(s[:open]), `"`))
			return e
		}
	}
	e.Problem = "invalid_email"
	return e
}

// displayName is a display name as a person's name: valid UTF-8, its runs
// of white space and control characters one space. An encoded word
// (=?utf-8?b?…?=) can decode to CR LF or NUL, which no name field takes: the
// address would be refused for a first_name its sender never saw.
func displayName(name string) string {
	name = strings.ToValidUTF8(name, "")
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// parseChunk splits one separator-free chunk on white space, keeping a name
// together with the <address> that follows it.
func parseChunk(chunk string) []ListEntry {
	var entries []ListEntry
	var name []string
	flushName := func() {
		if len(name) > 0 {
			entries = append(entries, ListEntry{Input: strings.Join(name, " "), Problem: "invalid_email"})
			name = nil
		}
	}
	for _, word := range splitOutside(chunk, func(r rune) bool { return r == ' ' }) {
		switch {
		case strings.HasPrefix(word, "<"):
			entries = append(entries, ParseAddress(strings.Join(append(name, word), " ")))
			name = nil
		case strings.Contains(word, "@") && !strings.HasPrefix(word, `"`):
			flushName()
			entries = append(entries, ParseAddress(word))
		default:
			name = append(name, word)
		}
	}
	flushName()
	return entries
}

// splitOutside splits s at runes for which sep is true, except inside double
// quotes or angle brackets, and drops empty pieces.
func splitOutside(s string, sep func(rune) bool) []string {
	var pieces []string
	var b strings.Builder
	inQuote, inAngle := false, false
	flush := func() {
		if p := strings.TrimSpace(b.String()); p != "" {
			pieces = append(pieces, p)
		}
		b.Reset()
	}
	for _, r := range s {
		switch {
		case r == '"' && !inAngle:
			inQuote = !inQuote
		case r == '<' && !inQuote:
			inAngle = true
		case r == '>' && !inQuote:
			inAngle = false
		case !inQuote && !inAngle && (sep(r) || (r == ' ' && sep(' '))):
			flush()
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return pieces
}
