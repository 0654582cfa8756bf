package emails

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultTemplatesRender(t *testing.T) {
	d := SampleData()
	d.PartnerName = `Globex <script>alert(1)</script>`
	m, err := Render(Templates{}, d)
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{d.Link, "48 hours", "Thu, 26 Nov 2026 15:04 UTC", "Acme SaaS"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s does not contain %q", part, want)
			}
		}
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("partner name not escaped in HTML:\n%s", m.HTML)
	}
	if m.Subject == "" || strings.Contains(m.Subject, "\n") {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestCustomTemplates(t *testing.T) {
	m, err := Render(Templates{Subject: "Join {{.PartnerName}}\n", Text: "Go to {{.Link}}"}, SampleData())
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Join Globex Resellers" || m.Text != "Go to https://partners.acme.example/activate/sample" {
		t.Errorf("got %+v", m)
	}
	if !strings.Contains(m.HTML, "Accept invitation") {
		t.Error("the default HTML was not used for the part left empty")
	}
}

func TestCheckNamesLineAndColumn(t *testing.T) {
	tests := []struct {
		name string
		in   Templates
		want []Problem
	}{
		{"fine", Templates{Subject: "Hi {{.FirstName}}", HTML: "<p>{{.Link}}</p>", Text: "{{if .FirstName}}x{{end}} {{.Link}}"}, nil},
		{"unknown field", Templates{HTML: "<p>\n  Hello {{.Nickname}}</p>"}, []Problem{{Part: "html", Line: 2, Column: 11}}},
		{"unclosed action", Templates{Text: "line one\nsee {{.Link}} and {{.Role"}, []Problem{{Part: "text", Line: 2, Column: 19}}},
		{"bad function", Templates{Subject: "{{exec .Link}}"}, []Problem{{Part: "subject", Line: 1, Column: 1}}},
		{"unclosed if", Templates{Text: "a\n{{if .FirstName}}b"}, []Problem{{Part: "text", Line: 2, Column: 1}}},
		{"include", Templates{HTML: `{{template "other"}}`}, []Problem{{Part: "html", Line: 1, Column: 1, Reason: ReasonForbidden}}},
		{"empty subject", Templates{Subject: "{{if false}}x{{end}}"}, []Problem{{Part: "subject", Line: 1, Column: 1, Reason: ReasonInvalid}}},
		// What no tenant may save: the runaway template, loops,
		// includes, and templates that do not show the link.
		{"runaway", Templates{HTML: `{{if ne .Email "x"}}{{range 100000}}{{printf "%0999999d" 1}}{{end}}{{end}}{{.Link}}`}, []Problem{{Part: "html", Line: 1, Column: 1, Reason: ReasonForbidden}}},
		{"range", Templates{Text: "{{range 3}}{{.Link}}{{end}}"}, []Problem{{Part: "text", Line: 1, Column: 1, Reason: ReasonForbidden}}},
		{"define", Templates{Text: `{{define "x"}}y{{end}}{{.Link}}`}, []Problem{{Part: "text", Line: 1, Column: 1, Reason: ReasonForbidden}}},
		{"no link in the HTML", Templates{HTML: "<p>Click here</p>"}, []Problem{{Part: "html", Line: 1, Column: 1, Reason: ReasonNoLink}}},
		{"no link in the text", Templates{Text: "Hello {{.FirstName}}"}, []Problem{{Part: "text", Line: 1, Column: 1, Reason: ReasonNoLink}}},
		{"a link hidden in a branch", Templates{Text: `{{if eq .Email "someone@else.example"}}{{.Link}}{{end}}`}, []Problem{{Part: "text", Line: 1, Column: 1, Reason: ReasonNoLink}}},
		{"too large", Templates{HTML: strings.Repeat(`{{printf "%0999999d" 1}}`, 1) + "{{.Link}}"}, []Problem{{Part: "html", Line: 1, Column: 1, Reason: ReasonTooLarge}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.in)
			for i := range got {
				if got[i].Message == "" {
					t.Errorf("problem without a message: %+v", got[i])
				}
				got[i].Message = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLifetime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1 hour", 48 * time.Hour: "48 hours", 72 * time.Hour: "3 days", 30 * time.Hour: "30 hours", 720 * time.Hour: "30 days",
	} {
		if got := Lifetime(d); got != want {
			t.Errorf("Lifetime(%v) = %q, want %q", d, got, want)
		}
	}
}

// At send time the link must show for the real recipient, not only for the
// sample: a template that shows it to the sample alone fails the delivery.
func TestRenderNeedsTheLinkForTheRealRecipient(t *testing.T) {
	sly := Templates{Text: `{{if eq .Email "ada@globex.example"}}{{.Link}}{{end}}`}
	if problems := Check(sly); len(problems) != 0 {
		t.Fatalf("the sample shows the link, so Check passes: %v", problems)
	}
	d := SampleData()
	d.Email = "victim@elsewhere.example"
	_, err := Render(sly, d)
	var re *RenderError
	if !errors.As(err, &re) || re.Reason != ReasonNoLink || re.Part != "text" {
		t.Errorf("Render for another recipient: %v, want %s", err, ReasonNoLink)
	}
}

// A large output is cut at its bound, quickly, without rendering the rest.
func TestRenderIsBounded(t *testing.T) {
	big := Templates{HTML: strings.Repeat(`{{printf "%0999999d" 1}}`, 3000) + "{{.Link}}"}
	start := time.Now()
	_, err := Render(big, SampleData())
	var re *RenderError
	if !errors.As(err, &re) || re.Reason != ReasonTooLarge {
		t.Errorf("a 3 GB template: %v, want %s", err, ReasonTooLarge)
	}
	if d := time.Since(start); d > MaxRenderTime*5 {
		t.Errorf("it took %v", d)
	}
}

// TestRenderIsBoundedInWork: values computed inside an action are bounded
// too, not only what is written. Each of these templates is a few hundred
// bytes; before the bound on each function's value, the run that the time
// bound left behind went on to allocate gigabytes (the doubling variable
// about 3 GB in 3 s), in a function instance that serves other tenants
// next (found by FuzzCheckAndRender, whose workers stalled).
func TestRenderIsBoundedInWork(t *testing.T) {
	tests := map[string]string{
		"a variable doubled": `{{$x := printf "%0999d" 1}}` + strings.Repeat(`{{$x = printf "%s%s%s%s%s%s%s%s" $x $x $x $x $x $x $x $x}}`, 6) + `{{.Link}}`,
		"js of js":           "{{" + strings.Repeat("js (", 40) + `"\\<"` + strings.Repeat(")", 40) + "}}{{.Link}}",
		"nested printf":      `{{len (printf "%s%s%s%s" ` + strings.Repeat(`(printf "%0999d%0999d%0999d%0999d" 1 2 3 4) `, 4) + `)}}{{.Link}}`,
		"width from an arg":  `{{printf "%0*d" 999999999 1}}{{.Link}}`,
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			problems := Check(Templates{Text: src})
			time.Sleep(3 * MaxRenderTime) // what a run left behind would do meanwhile
			runtime.ReadMemStats(&after)
			if len(problems) != 1 || problems[0].Reason != ReasonTooLarge {
				t.Errorf("Check = %v, want one %s", problems, ReasonTooLarge)
			}
			if mib := (after.TotalAlloc - before.TotalAlloc) >> 20; mib > 64 {
				t.Errorf("checking it allocated %d MiB", mib)
			}
		})
	}
}
