package partners

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// sized is a template whose parts are exactly subject, html and text bytes
// long, each showing the link where one is needed.
func sized(subject, html, text int) emails.Templates {
	pad := func(prefix string, n int) string {
		if n == 0 {
			return ""
		}
		return prefix + strings.Repeat("x", n-len(prefix))
	}
	return emails.Templates{Subject: pad("Hi ", subject), HTML: pad("<p>{{.Link}}</p>", html), Text: pad("{{.Link}} ", text)}
}

// namedSettings are the default settings with the given named templates.
func namedSettings(named map[string]emails.Templates) Settings {
	st := DefaultSettings()
	st.NamedEmail = named
	return st
}

func TestNamedTemplatesAreCheckedOnSave(t *testing.T) {
	good := emails.Templates{Subject: "Welcome, {{.FirstName}}", Text: "Join: {{.Link}}"}
	eleven := map[string]emails.Templates{}
	for i := range MaxNamedTemplates + 1 {
		eleven[fmt.Sprintf("t%d", i)] = good
	}
	ten := map[string]emails.Templates{}
	for i := range MaxNamedTemplates {
		ten[fmt.Sprintf("t%d", i)] = good
	}
	tests := []struct {
		name   string
		st     func() Settings
		fields map[string]string
	}{
		{"two good ones", func() Settings {
			return namedSettings(map[string]emails.Templates{"reseller-welcome": good, "msp_2": {HTML: "<a href=\"{{.Link}}\">join</a>"}})
		}, map[string]string{}},
		{"one with every part null", func() Settings { return namedSettings(map[string]emails.Templates{"plain": {}}) }, map[string]string{}},
		{"as many as allowed", func() Settings { return namedSettings(ten) }, map[string]string{}},
		{"one too many", func() Settings { return namedSettings(eleven) }, map[string]string{"named_email_templates": "too_many"}},
		{"bad names", func() Settings {
			return namedSettings(map[string]emails.Templates{"Welcome": good, "9lives": good, "a b": good, strings.Repeat("a", 51): good, "": good})
		}, map[string]string{
			"named_email_templates.Welcome": "invalid_name", "named_email_templates.9lives": "invalid_name", "named_email_templates.a b": "invalid_name",
			"named_email_templates." + strings.Repeat("a", 51): "invalid_name", "named_email_templates.": "invalid_name",
		}},
		{"the longest name", func() Settings { return namedSettings(map[string]emails.Templates{strings.Repeat("a", 50): good}) }, map[string]string{}},
		{"default is reserved", func() Settings { return namedSettings(map[string]emails.Templates{"default": good}) },
			map[string]string{"named_email_templates.default": "reserved_name"}},
		{"a part that does not parse", func() Settings {
			return namedSettings(map[string]emails.Templates{"broken": {HTML: "<p>{{.Link}}\n{{.Nickname}}</p>"}})
		}, map[string]string{"named_email_templates.broken.html": "invalid_template"}},
		{"a part that hides the link", func() Settings {
			return namedSettings(map[string]emails.Templates{"sly": {Text: "Hello {{.FirstName}}"}})
		}, map[string]string{"named_email_templates.sly.text": "template_no_link"}},
		{"a part that loops", func() Settings {
			return namedSettings(map[string]emails.Templates{"loop": {Subject: "{{range .Email}}x{{end}}"}})
		}, map[string]string{"named_email_templates.loop.subject": "template_forbidden"}},
		{"a part over its own bound", func() Settings {
			return namedSettings(map[string]emails.Templates{"big": {Subject: strings.Repeat("s", emails.MaxSubjectLen+1)}})
		}, map[string]string{"named_email_templates.big.subject": "invalid_template"}},
		{"the default and a named one broken, each named", func() Settings {
			st := namedSettings(map[string]emails.Templates{"x": {Text: "no link"}})
			st.Email = emails.Templates{Text: "no link either"}
			return st
		}, map[string]string{"email_templates.text": "template_no_link", "named_email_templates.x.text": "template_no_link"}},
		{"all templates at the total bound", func() Settings {
			st := namedSettings(map[string]emails.Templates{"big": sized(emails.MaxSubjectLen, 40_000, 10_000)})
			st.Email = sized(0, emails.MaxHTMLLen-40_000, emails.MaxTextLen-10_000)
			return st
		}, map[string]string{}},
		{"all templates one byte over the total bound", func() Settings {
			st := namedSettings(map[string]emails.Templates{"big": sized(emails.MaxSubjectLen, 40_000, 10_001)})
			st.Email = sized(0, emails.MaxHTMLLen-40_000, emails.MaxTextLen-10_000)
			return st
		}, map[string]string{"named_email_templates": "too_large"}},
		{"the default alone at its largest", func() Settings {
			st := DefaultSettings()
			st.Email = sized(emails.MaxSubjectLen, emails.MaxHTMLLen, emails.MaxTextLen)
			return st
		}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st()
			if diff := cmp.Diff(tt.fields, fieldsOf(normalizeSettings(&st))); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmailTemplatesFor(t *testing.T) {
	st := DefaultSettings()
	st.Email = emails.Templates{Subject: "Default subject", Text: "Default {{.Link}}"}
	st.NamedEmail = map[string]emails.Templates{
		"reseller": {Subject: "Reseller subject"},
		"full":     {Subject: "Full", HTML: "<p>{{.Link}}</p>", Text: "Full {{.Link}}"},
	}
	tests := []struct {
		name  string
		want  emails.Templates
		found bool
	}{
		{"", st.Email, true},
		{"reseller", emails.Templates{Subject: "Reseller subject", Text: "Default {{.Link}}"}, true},
		{"full", st.NamedEmail["full"], true},
		{"deleted", st.Email, false},
	}
	for _, tt := range tests {
		t.Run("name "+tt.name, func(t *testing.T) {
			got, found := st.EmailTemplatesFor(tt.name)
			if found != tt.found {
				t.Errorf("found = %v, want %v", found, tt.found)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("templates (-want +got):\n%s", diff)
			}
		})
	}
}
