// Package emails renders the invitation email: an embedded default
// (subject, HTML and plain text) or a tenant's own templates.
//
// Tenant-authored templates are a security boundary. They are parsed alone
// (no files, no other templates to include), get no functions beyond the
// template packages' builtins, and run against the fixed Data struct, which
// has no methods and no function fields. HTML goes through html/template, so
// every value is escaped for where it lands; subject and text through
// text/template.
package emails

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	htmltemplate "github.com/partnerinvites/partnerinvites/third_party/gotemplate/html"
	texttemplate "github.com/partnerinvites/partnerinvites/third_party/gotemplate/text"
)

//go:embed templates/*.tmpl
var defaults embed.FS

// Data is everything a template can show.
type Data struct {
	TenantName  string
	PartnerName string
	InviterName string
	FirstName   string
	LastName    string
	Email       string
	Role        string
	Link        string
	// DeclineLink opens the page where the invitee can say "this isn't for
	// me": Link + "/decline".
	DeclineLink string
	// ExpiresIn is the link's lifetime in words: "48 hours", "3 days".
	ExpiresIn string
	// ExpiresAt is the moment the link dies, in UTC: "Thu, 26 Nov 2026 15:04 UTC".
	ExpiresAt   string
	LogoURL     string
	AccentColor string
}

// Templates are a tenant's own templates; an empty one means the default.
type Templates struct {
	Subject string
	HTML    string
	Text    string
}

// Message is a rendered email.
type Message struct {
	Subject string
	HTML    string
	Text    string
}

// Limits on tenant templates, in bytes.
const (
	MaxSubjectLen = 1000
	MaxHTMLLen    = 100_000
	MaxTextLen    = 50_000
)

// DefaultAccentColor colours the button when a tenant has set none.
const DefaultAccentColor = "#2f6fed"

// Default returns the built-in templates.
func Default() Templates {
	read := func(name string) string {
		b, err := defaults.ReadFile("templates/" + name)
		if err != nil {
			panic("emails: embedded template missing: " + name) // a build defect, not input
		}
		return string(b)
	}
	return Templates{
		Subject: read("invitation.subject.tmpl"),
		HTML:    read("invitation.html.tmpl"),
		Text:    read("invitation.txt.tmpl"),
	}
}

// withDefaults fills the parts a tenant left empty.
func (t Templates) withDefaults() Templates {
	d := Default()
	if strings.TrimSpace(t.Subject) != "" {
		d.Subject = t.Subject
	}
	if strings.TrimSpace(t.HTML) != "" {
		d.HTML = t.HTML
	}
	if strings.TrimSpace(t.Text) != "" {
		d.Text = t.Text
	}
	return d
}

// Render renders the invitation email for d with the tenant's templates,
// under the bounds of bounds.go. An error is a *RenderError, and final: the
// delivery fails with its Reason. The HTML and text must show the link, on
// this invitation and not only on the sample: a template that hides it is a
// template that could mail anything to anyone.
func Render(custom Templates, d Data) (Message, error) {
	t := custom.withDefaults()
	if d.AccentColor == "" {
		d.AccentColor = DefaultAccentColor
	}
	subject, err := renderPart("subject", t.Subject, false, d, MaxRenderedSubject)
	if err != nil {
		return Message{}, err
	}
	text, err := renderPart("text", t.Text, false, d, MaxRenderedText)
	if err != nil {
		return Message{}, err
	}
	html, err := renderPart("html", t.HTML, true, d, MaxRenderedHTML)
	if err != nil {
		return Message{}, err
	}
	for part, body := range map[string]string{"text": text, "html": html} {
		// The decline link starts with the link: it does not count as
		// showing it.
		if strings.Count(body, d.Link) <= strings.Count(body, d.Link+"/decline") {
			return Message{}, &RenderError{Part: part, Reason: ReasonNoLink, Err: errors.New("the rendered email does not show the activation link")}
		}
	}
	// A subject is one line: newlines would break the header.
	subject = strings.Join(strings.Fields(subject), " ")
	return Message{Subject: subject, HTML: html, Text: text}, nil
}

func renderPart(part, src string, html bool, d Data, max int) (string, error) {
	t, err := parsePart(part, src, html, part != "subject")
	if err != nil {
		return "", err
	}
	return execute(part, t, d, max)
}

// Problem is what is wrong with one of a tenant's templates, and where.
type Problem struct {
	Part   string // "subject", "html" or "text"
	Line   int
	Column int
	// Reason is a Reason* code, when the problem is one of the bounds'.
	Reason  string
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, p.Message)
}

// Check parses and test-renders a tenant's templates, so that a broken one is
// refused when it is saved rather than when an invitation is sent.
func Check(custom Templates) []Problem {
	var problems []Problem
	parts := []struct {
		name, src string
		max       int
		html      bool
	}{
		{"subject", custom.Subject, MaxSubjectLen, false},
		{"html", custom.HTML, MaxHTMLLen, true},
		{"text", custom.Text, MaxTextLen, false},
	}
	sample := SampleData()
	for _, p := range parts {
		if strings.TrimSpace(p.src) == "" {
			continue
		}
		if len(p.src) > p.max {
			problems = append(problems, Problem{Part: p.name, Line: 1, Column: 1, Message: fmt.Sprintf("the template is longer than %d bytes", p.max)})
			continue
		}
		if prob, ok := checkOne(p.name, p.src, p.html, sample); !ok {
			problems = append(problems, prob)
		}
	}
	if len(problems) > 0 {
		return problems
	}
	// Then as a send would: shape, bounds and the link, on the sample.
	m, err := Render(custom, sample)
	var re *RenderError
	switch {
	case errors.As(err, &re):
		problems = append(problems, Problem{Part: re.Part, Line: 1, Column: 1, Reason: re.Reason, Message: re.Err.Error()})
	case err != nil:
		problems = append(problems, Problem{Part: "html", Line: 1, Column: 1, Reason: ReasonInvalid, Message: err.Error()})
	case strings.TrimSpace(custom.Subject) != "" && m.Subject == "":
		problems = append(problems, Problem{Part: "subject", Line: 1, Column: 1, Reason: ReasonInvalid, Message: "the subject renders empty"})
	}
	return problems
}

func checkOne(name, src string, html bool, sample Data) (Problem, bool) {
	var parseErr error
	if html {
		_, parseErr = htmltemplate.New(name).Option("missingkey=error").Parse(src)
	} else {
		_, parseErr = texttemplate.New(name).Option("missingkey=error").Parse(src)
	}
	if parseErr != nil {
		line, msg := parseLocation(parseErr)
		return Problem{Part: name, Line: line, Column: guessColumn(src, line, html), Message: msg}, false
	}
	// The shape first (no loops, no includes), then a bounded run: a
	// template is never run unbounded, not even on the sample.
	t, err := parsePart(name, src, html, false)
	var re *RenderError
	if errors.As(err, &re) {
		return Problem{Part: name, Line: 1, Column: 1, Reason: re.Reason, Message: re.Err.Error()}, false
	}
	max := map[string]int{"subject": MaxRenderedSubject, "html": MaxRenderedHTML, "text": MaxRenderedText}[name]
	if _, err := execute(name, t, sample, max); err != nil {
		if errors.As(err, &re) && re.Reason != ReasonInvalid {
			return Problem{Part: name, Line: 1, Column: 1, Reason: re.Reason, Message: re.Err.Error()}, false
		}
		line, col, msg := execLocation(errors.Unwrap(err))
		return Problem{Part: name, Line: line, Column: col, Message: msg}, false
	}
	return Problem{}, true
}

// Template errors read "template: NAME:LINE: message" when parsing and
// "template: NAME:LINE:COL: executing … message" when executing.
// The patterns of template errors, compiled on first use (not at init: most
// functions that link this package never render an email).
var (
	parseErrRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:html/)?template: [^:]+:(\d+): (.*)$`) })
	execErrRE  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:html/)?template: [^:]+:(\d+):(\d+): (?:executing "[^"]*" at <[^>]*>: )?(.*)$`)
	})
)

func parseLocation(err error) (int, string) {
	if m := parseErrRE().FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 1, strings.TrimPrefix(err.Error(), "template: ")
}

func execLocation(err error) (int, int, string) {
	if m := execErrRE().FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return line, col + 1, m[3] // Go counts columns from 0
	}
	line, msg := parseLocation(err)
	return line, 1, msg
}

// guessColumn finds the column of the action that breaks a line: Go's parse
// errors name the line only. It is the first {{ on the line whose action
// does not parse on its own (or, closing a block, with an {{end}}); failing
// that, the first {{ on the line.
func guessColumn(src string, line int, html bool) int {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return 1
	}
	text := lines[line-1]
	first := 0
	for i := 0; ; {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			break
		}
		start := i + j
		if first == 0 {
			first = start + 1
		}
		end := strings.Index(text[start:], "}}")
		action := text[start:]
		if end >= 0 {
			action = text[start : start+end+2]
		}
		if !parses(action, html) && !parses(action+"{{end}}", html) {
			return len([]rune(text[:start])) + 1
		}
		i = start + 2
	}
	if first == 0 {
		return 1
	}
	return len([]rune(text[:first-1])) + 1
}

func parses(src string, html bool) bool {
	var err error
	if html {
		_, err = htmltemplate.New("x").Parse(src)
	} else {
		_, err = texttemplate.New("x").Parse(src)
	}
	return err == nil
}

// SampleData is what templates are test-rendered with.
func SampleData() Data {
	expires := time.Date(2026, 11, 26, 15, 4, 0, 0, time.UTC)
	return Data{
		TenantName: "Acme SaaS", PartnerName: "Globex Resellers", InviterName: "Acme SaaS",
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@globex.example", Role: "admin",
		Link: "https://partners.acme.example/activate/sample", DeclineLink: "https://partners.acme.example/activate/sample/decline", ExpiresIn: "48 hours",
		ExpiresAt: FormatExpiry(expires), AccentColor: DefaultAccentColor,
	}
}

// FormatExpiry writes an expiry for people: "Thu, 26 Nov 2026 15:04 UTC".
func FormatExpiry(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04 UTC")
}

// Lifetime writes a link's lifetime in words: "1 hour", "48 hours", "3 days".
func Lifetime(d time.Duration) string {
	hours := int(d.Round(time.Hour) / time.Hour)
	switch {
	case hours <= 1:
		return "1 hour"
	case hours > 48 && hours%24 == 0:
		return strconv.Itoa(hours/24) + " days"
	default:
		return strconv.Itoa(hours) + " hours"
	}
}
