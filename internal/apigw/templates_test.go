package apigw_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// namedTemplates are the settings of the named-template tests: a default
// with its own subject and text, "reseller-welcome" with all three parts,
// and "msp" with a subject only (its HTML is the built-in one, its text
// the default's).
func namedTemplates(named ...string) map[string]any {
	all := map[string]any{
		"reseller-welcome": map[string]any{
			"subject": "Reseller welcome, {{.FirstName}}",
			"html":    `<p>Resell with us: <a href="{{.Link}}">join</a></p>`,
			"text":    "Resell with us: {{.Link}}",
		},
		"msp": map[string]any{"subject": "MSP programme at {{.PartnerName}}", "html": nil, "text": nil},
	}
	kept := map[string]any{}
	for _, name := range named {
		kept[name] = all[name]
	}
	return map[string]any{
		"email_templates":       map[string]any{"subject": "Default for {{.PartnerName}}", "text": "Default text: {{.Link}}"},
		"named_email_templates": kept,
	}
}

// lastMail waits for the nth email to an address and returns it.
func lastMail(t *testing.T, to string, n int) testenv.Email {
	t.Helper()
	got := testenv.WaitForMail(t, to, n, 15*time.Second)
	if len(got) != n {
		t.Fatalf("%d emails to %s, want %d", len(got), to, n)
	}
	return got[n-1]
}

// templateOf is the template an invitation JSON names, or "null".
func templateOf(inv map[string]any) string {
	if s, ok := inv["template"].(string); ok {
		return s
	}
	if inv["template"] == nil {
		return "null"
	}
	return fmt.Sprint(inv["template"])
}

// wantUnknownTemplate checks a 400 problem that names the field template
// and the name.
func wantUnknownTemplate(t *testing.T, r testenv.Response, name string) {
	t.Helper()
	wantStatus(t, r, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"template"}, problemFields(t, r)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(r.Body), `\"`+name+`\"`) || !strings.Contains(string(r.Body), "unknown_template") {
		t.Errorf("the problem does not name %q: %s", name, r.Body)
	}
}

func TestNamedEmailTemplates(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	saved := api.Do(t, "PUT", "/v1/settings", key, namedTemplates("reseller-welcome", "msp"))
	wantStatus(t, saved, http.StatusOK)
	got := saved.JSON(t)["named_email_templates"].(map[string]any)
	if diff := cmp.Diff(namedTemplates("reseller-welcome", "msp")["named_email_templates"], got); diff != "" {
		t.Errorf("named_email_templates (-sent +saved):\n%s", diff)
	}
	pid := newPartner(t, api, key, "Globex")
	users := "/v1/partners/" + pid + "/users"

	t.Run("each invite gets its template", func(t *testing.T) {
		tests := []struct {
			template any
			stored   string
			subject  string
			html     string
			text     string
		}{
			{"reseller-welcome", "reseller-welcome", "Reseller welcome, Ada", "Resell with us:", "Resell with us:"},
			{"msp", "msp", "MSP programme at Globex", "invited you to join", "Default text:"},
			{nil, "null", "Default for Globex", "invited you to join", "Default text:"},
		}
		for _, tt := range tests {
			email := uniqueEmail(t, "ada")
			r := api.Do(t, "POST", users, key, map[string]any{"email": email, "role": "member", "first_name": "Ada", "template": tt.template})
			wantStatus(t, r, http.StatusCreated)
			if got := templateOf(invitation(t, r)); got != tt.stored {
				t.Errorf("template %v: the invitation says %s", tt.template, got)
			}
			mail := lastMail(t, email, 1)
			if mail.Subject != tt.subject || !strings.Contains(mail.Body.HTML, tt.html) || !strings.Contains(mail.Body.Text, tt.text) {
				t.Errorf("template %v: mail %q, want subject %q, HTML with %q, text with %q:\n%s\n%s", tt.template, mail.Subject, tt.subject, tt.html, tt.text, mail.Body.HTML, mail.Body.Text)
			}
		}
	})

	invited := func() int {
		return len(api.Do(t, "GET", "/v1/partners/"+pid+"/users?status=invited&limit=100", key, nil).JSON(t)["data"].([]any))
	}
	t.Run("an unknown name is refused", func(t *testing.T) {
		before := invited()
		csv := "email,role\n" + uniqueEmail(t, "csv") + ",member\n"
		wantUnknownTemplate(t, api.Do(t, "POST", users, key, map[string]any{"email": uniqueEmail(t, "x"), "role": "member", "template": "resseler"}), "resseler")
		wantUnknownTemplate(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": uniqueEmail(t, "y"), "role": "member", "template": "resseler"}), "resseler")
		wantUnknownTemplate(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?template=resseler", key, csv, "Content-Type", "text/csv"), "resseler")
		wantUnknownTemplate(t, api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Initech", "primary_contact": map[string]any{"email": uniqueEmail(t, "z")}, "template": "resseler"}), "resseler")
		if n := invited(); n != before {
			t.Errorf("%d invited users after the refusals, want the %d before", n, before)
		}
	})

	t.Run("a resend keeps the template", func(t *testing.T) {
		email := uniqueEmail(t, "resend")
		r := api.Do(t, "POST", users, key, map[string]any{"email": email, "role": "member", "first_name": "Ada", "template": "reseller-welcome"})
		wantStatus(t, r, http.StatusCreated)
		id := invitation(t, r)["id"].(string)
		lastMail(t, email, 1)
		resent := api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, nil)
		wantStatus(t, resent, http.StatusOK)
		if got := templateOf(resent.JSON(t)); got != "reseller-welcome" {
			t.Errorf("the resent invitation says template %s", got)
		}
		if mail := lastMail(t, email, 2); mail.Subject != "Reseller welcome, Ada" {
			t.Errorf("the resent email's subject is %q", mail.Subject)
		}
	})

	t.Run("bulk invites and CSV imports choose theirs", func(t *testing.T) {
		a, b := uniqueEmail(t, "bulk-a"), uniqueEmail(t, "bulk-b")
		bulk := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": a + ", " + b, "role": "member", "template": "msp"})
		wantStatus(t, bulk, http.StatusOK)
		for _, res := range bulk.JSON(t)["results"].([]any) {
			if got := templateOf(res.(map[string]any)["invitation"].(map[string]any)); got != "msp" {
				t.Errorf("a bulk invitation says template %s", got)
			}
		}
		c, d := uniqueEmail(t, "csv-c"), uniqueEmail(t, "job-d")
		csv := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?"+url.Values{"template": {"reseller-welcome"}}.Encode(), key,
			"email,role,first_name\n"+c+",member,Cyd\n", "Content-Type", "text/csv")
		wantStatus(t, csv, http.StatusOK)
		row := csv.JSON(t)["results"].([]any)[0].(map[string]any)
		if got := templateOf(api.Do(t, "GET", "/v1/invitations/"+row["invitation_id"].(string), key, nil).JSON(t)); got != "reseller-welcome" {
			t.Errorf("the CSV row's invitation says template %s", got)
		}
		job := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true&template=msp", key, "email,role\n"+d+",member\n", "Content-Type", "text/csv")
		wantStatus(t, job, http.StatusAccepted)
		for to, subject := range map[string]string{a: "MSP programme at Globex", b: "MSP programme at Globex", c: "Reseller welcome, Cyd", d: "MSP programme at Globex"} {
			if mail := lastMail(t, to, 1); mail.Subject != subject {
				t.Errorf("%s got %q, want %q", to, mail.Subject, subject)
			}
		}
	})

	t.Run("a new partner's contact", func(t *testing.T) {
		email := uniqueEmail(t, "contact")
		r := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Initech", "primary_contact": map[string]any{"email": email}, "template": "msp"})
		wantStatus(t, r, http.StatusCreated)
		if got := templateOf(r.JSON(t)["primary_contact_invitation"].(map[string]any)); got != "msp" {
			t.Errorf("the contact's invitation says template %s", got)
		}
		if mail := lastMail(t, email, 1); mail.Subject != "MSP programme at Initech" {
			t.Errorf("the contact's email's subject is %q", mail.Subject)
		}
	})

	t.Run("a retry with another template is another request", func(t *testing.T) {
		body := map[string]any{"email": uniqueEmail(t, "idem"), "role": "member", "template": "msp"}
		wantStatus(t, api.Do(t, "POST", users, key, body, "Idempotency-Key", "tpl-1"), http.StatusCreated)
		replay := api.Do(t, "POST", users, key, body, "Idempotency-Key", "tpl-1")
		wantStatus(t, replay, http.StatusCreated)
		body["template"] = "reseller-welcome"
		wantStatus(t, api.Do(t, "POST", users, key, body, "Idempotency-Key", "tpl-1"), http.StatusUnprocessableEntity)
	})

	// Last: it deletes a template.
	t.Run("a deleted template falls back to the default", func(t *testing.T) {
		email := uniqueEmail(t, "deleted")
		r := api.Do(t, "POST", users, key, map[string]any{"email": email, "role": "member", "template": "reseller-welcome", "send_email": false})
		wantStatus(t, r, http.StatusCreated)
		id := invitation(t, r)["id"].(string)
		wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, namedTemplates("msp")), http.StatusOK)
		resent := api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, nil)
		wantStatus(t, resent, http.StatusOK)
		if got := templateOf(resent.JSON(t)); got != "reseller-welcome" {
			t.Errorf("the invitation says template %s; it keeps what it was invited with", got)
		}
		if mail := lastMail(t, email, 1); mail.Subject != "Default for Globex" || !strings.Contains(mail.Body.Text, "Default text:") {
			t.Errorf("the email did not fall back to the default: %q\n%s", mail.Subject, mail.Body.Text)
		}
		waitForDelivery(t, api, key, id, "sent")
		logged := false
		for line := range strings.SplitSeq(api.Logs.String(), "\n") {
			if strings.Contains(line, `"msg":"delivery: template gone, using the default"`) && strings.Contains(line, `"template":"reseller-welcome"`) && strings.Contains(line, id) {
				logged = true
			}
		}
		if !logged {
			t.Error("the fallback to the default was not logged with the template and the invitation")
		}
	})
}

// The largest settings the limits allow — the partner form at its largest
// in four-byte characters, the roles, and every template byte allowed
// spread over the default and the most named templates with the longest
// names — fit DynamoDB's 400 KB item: they save and read back whole. One
// template byte more is refused.
func TestTheLargestSettingsSave(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wide := func(n, seed int) string { // n four-byte characters
		var b strings.Builder
		for i := range n {
			b.WriteRune(rune(0x1F600 + (seed+i)%80))
		}
		return b.String()
	}
	var questions []map[string]any
	for i := range 50 {
		questions = append(questions, map[string]any{
			"key": fmt.Sprintf("q%049d", i), "label": wide(200, i), "help": wide(500, i), "type": "multi_choice", "required": true,
			"choices": []string{wide(100, 0), wide(100, 1), wide(100, 2)},
		})
	}
	var roles []string
	for i := range 20 {
		roles = append(roles, fmt.Sprintf("r%049d", i))
	}
	part := func(prefix string, n int) string { return prefix + strings.Repeat("x", n-len(prefix)) }
	named := map[string]any{}
	for i := range 10 {
		named[fmt.Sprintf("t%049d", i)] = map[string]any{"subject": part("Hi ", 1000), "html": part("<p>{{.Link}}</p>", 3000), "text": part("{{.Link}} ", 2000)}
	}
	settings := map[string]any{
		"roles":                 roles,
		"email_templates":       map[string]any{"subject": part("Hi ", 1000), "html": part("<p>{{.Link}}</p>", 60_000), "text": part("{{.Link}} ", 30_000)},
		"named_email_templates": named,
		"partner_form":          map[string]any{"questions": questions, "review_required": true},
	}
	saved := api.Do(t, "PUT", "/v1/settings", key, settings)
	wantStatus(t, saved, http.StatusOK)
	read := api.Do(t, "GET", "/v1/settings", key, nil).JSON(t)
	if diff := cmp.Diff(named, read["named_email_templates"]); diff != "" {
		t.Errorf("named templates read back (-saved +read):\n%s", diff)
	}
	if got := read["email_templates"].(map[string]any)["html"].(string); len(got) != 60_000 {
		t.Errorf("the default HTML reads back %d bytes", len(got))
	}
	form := read["partner_form"].(map[string]any)["questions"].([]any)
	if len(form) != 50 || form[49].(map[string]any)["help"] != wide(500, 49) {
		t.Errorf("the form reads back %d questions, or changed", len(form))
	}

	// One byte over the templates' total.
	named["t"+strings.Repeat("0", 49)].(map[string]any)["text"] = part("{{.Link}} ", 2001)
	over := api.Do(t, "PUT", "/v1/settings", key, settings)
	wantStatus(t, over, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"named_email_templates"}, problemFields(t, over)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
