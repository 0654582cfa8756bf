package emails

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzCheckAndRender holds a tenant's templates to what saving and sending
// them promise: Check answers quickly whatever the source; a problem names
// its part and a line; templates that Check accepts render on the sample,
// within the bounds, with the link in the HTML and the text and a subject
// of one line; and rendering them for any other invitation fails, if at
// all, with a RenderError (a reason the delivery can record), never a
// panic or an unbounded run.
func FuzzCheckAndRender(f *testing.F) {
	d := Default()
	f.Add(d.Subject, d.HTML, d.Text)
	for _, s := range []struct{ subject, html, text string }{
		{"Hi {{.FirstName}}", "<p>{{.Link}}</p>", "{{if .FirstName}}x{{end}} {{.Link}}"},
		{"{{printf \"%099999999d\" 1}}", "<a href=\"{{.Link}}\">go</a>", "{{.Link}}"},
		{"", `{{if ne .Email "x"}}{{range 100000}}{{printf "%0999999d" 1}}{{end}}{{end}}{{.Link}}`, ""},
		{"", `{{define "x"}}y{{end}}{{.Link}}`, `{{template "x"}}{{.Link}}`},
		{"{{.Nope}}", "<script>var l = {{.Link}};</script>", "{{.Link | len}}"},
		{"a\nb\r\nc", "<p>{{.Link}}{{.Link}}/decline</p>", "{{if eq .Link \"https://partners.acme.example/activate/sample\"}}{{.Link}}{{end}}"},
		{"{{block \"b\" .}}{{end}}", "<{{.Link}}", "{{with .Link}}{{.}}{{end}}"},
		{"{{ 1 }}{{ nil }}", "{{ .Link }}{{ slice .Link 0 1 }}", "{{ index .Link 0 }}{{ .Link }}"},
	} {
		f.Add(s.subject, s.html, s.text)
	}
	f.Fuzz(func(t *testing.T, subject, html, text string) {
		tpl := Templates{Subject: subject, HTML: html, Text: text}
		start := time.Now()
		problems := Check(tpl)
		// Three bounded runs of MaxRenderTime and their parses; generous,
		// for a loaded machine.
		if took := time.Since(start); took > 20*MaxRenderTime {
			t.Fatalf("Check took %s", took)
		}
		for _, p := range problems {
			if (p.Part != "subject" && p.Part != "html" && p.Part != "text") || p.Line < 1 || p.Message == "" {
				t.Fatalf("problem %+v names no part, line or message", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		m, err := Render(tpl, SampleData())
		if err != nil {
			t.Fatalf("Check accepted %+v, but it does not render on the sample: %v", tpl, err)
		}
		if len(m.Subject) > MaxRenderedSubject || len(m.HTML) > MaxRenderedHTML || len(m.Text) > MaxRenderedText {
			t.Fatalf("rendered past the bounds: %d, %d, %d bytes", len(m.Subject), len(m.HTML), len(m.Text))
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("subject %q is not one line", m.Subject)
		}
		link := SampleData().Link
		if !strings.Contains(m.HTML, link) || !strings.Contains(m.Text, link) {
			t.Fatalf("rendered without the link:\n%s\n%s", m.HTML, m.Text)
		}
		// Another invitation: other values, some of them hostile.
		other := SampleData()
		other.Link = "https://partners.acme.example/activate/Zm9v"
		other.DeclineLink = other.Link + "/decline"
		other.FirstName, other.LastName, other.PartnerName = `<script>alert(1)</script>`, "\"'&{{.Link}}", strings.Repeat("é", 200)
		start = time.Now()
		if _, err := Render(tpl, other); err != nil {
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("Render failed with %T %v, want a RenderError", err, err)
			}
		}
		if took := time.Since(start); took > 20*MaxRenderTime {
			t.Fatalf("Render took %s", took)
		}
	})
}
