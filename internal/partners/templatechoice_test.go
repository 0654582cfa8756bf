package partners

import (
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// withTemplates saves tenant A's settings with named templates "reseller"
// and "msp".
func (w *inviteWorld) withTemplates() {
	w.t.Helper()
	st := DefaultSettings()
	st.NamedEmail = map[string]emails.Templates{
		"reseller": {Subject: "Resell with {{.TenantName}}"},
		"msp":      {Text: "MSP: {{.Link}}"},
	}
	if _, err := w.svc.UpdateSettings(w.as(tenantA, RoleAdmin), st); err != nil {
		w.t.Fatalf("save templates: %v", err)
	}
}

// deleteTemplates saves tenant A's settings without named templates.
func (w *inviteWorld) deleteTemplates() {
	w.t.Helper()
	if _, err := w.svc.UpdateSettings(w.as(tenantA, RoleAdmin), DefaultSettings()); err != nil {
		w.t.Fatalf("delete templates: %v", err)
	}
}

// wantUnknownTemplate checks err is a 400 on the field template that names
// the template.
func wantUnknownTemplate(t *testing.T, err error, name string) {
	t.Helper()
	e := wantError(t, err, Invalid)
	if len(e.Fields) != 1 || e.Fields[0].Field != "template" || e.Fields[0].Code != "unknown_template" || !strings.Contains(e.Fields[0].Message, `"`+name+`"`) {
		t.Errorf("fields %+v, want one unknown_template on template naming %q", e.Fields, name)
	}
}

func TestAnInviteChoosesItsTemplate(t *testing.T) {
	tests := []struct {
		name     string
		template string
		stored   string
	}{
		{"omitted is the default", "", ""},
		{"a named one", "reseller", "reseller"},
		{"trimmed", "  msp ", "msp"},
		{"default by name is the default", "default", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			w.withTemplates()
			res, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true, Template: tt.template})
			if err != nil {
				t.Fatal(err)
			}
			if got := w.storedInvitation(res.Invitation.ID).Template; got != tt.stored || res.Invitation.Template != tt.stored {
				t.Errorf("stored template %q (answered %q), want %q", got, res.Invitation.Template, tt.stored)
			}
		})
	}
}

func TestAnUnknownTemplateIsRefusedAndNothingWritten(t *testing.T) {
	requests := []struct {
		name string
		do   func(w *inviteWorld) error
	}{
		{"invite", func(w *inviteWorld) error {
			_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", Template: "resseler"})
			return err
		}},
		{"bulk invite", func(w *inviteWorld) error {
			_, err := w.svc.InviteMany(w.manager, w.acme.ID, entriesOf("ada@example.com", "bob@example.com"), BulkOptions{Role: "member", Template: "resseler"})
			return err
		}},
		{"CSV import", func(w *inviteWorld) error {
			_, _, err := w.svc.ImportCSV(w.manager, w.acme.ID, []byte("email,role\nada@example.com,member\n"), BulkOptions{Template: "resseler"})
			return err
		}},
		{"CSV import dry run", func(w *inviteWorld) error {
			_, _, err := w.svc.ImportCSV(w.manager, w.acme.ID, []byte("email,role\nada@example.com,member\n"), BulkOptions{Template: "resseler", DryRun: true})
			return err
		}},
		{"CSV import as a job", func(w *inviteWorld) error {
			_, _, err := w.svc.ImportCSV(w.manager, w.acme.ID, []byte("email,role\nada@example.com,member\n"), BulkOptions{Template: "resseler", Async: true})
			return err
		}},
		{"new partner's contact", func(w *inviteWorld) error {
			_, err := w.svc.CreatePartner(w.manager, PartnerInput{Name: "Initech", PrimaryContact: &Contact{Email: "ada@example.com"}, Template: "resseler"})
			return err
		}},
	}
	for _, tt := range requests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			w.withTemplates()
			before := len(w.store.contents().partners)
			wantUnknownTemplate(t, tt.do(w), "resseler")
			got := w.store.contents()
			if len(got.invitations) != 0 || len(got.claims) != 0 || len(got.partners) != before {
				t.Errorf("%d invitations, %d claims, %d partners written (had %d)", len(got.invitations), len(got.claims), len(got.partners), before)
			}
		})
	}
}

func TestAnUnknownTemplateNamesTheTenantsTemplates(t *testing.T) {
	w := newInviteWorld(t)
	_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", Template: "reseller"})
	wantUnknownTemplate(t, err, "reseller")
	w.withTemplates()
	_, err = w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", Template: "nope"})
	if msg := wantError(t, err, Invalid).Fields[0].Message; !strings.Contains(msg, "msp, reseller") {
		t.Errorf("message %q does not list the tenant's templates", msg)
	}
}

func TestBulkAndCSVInvitesUseTheirTemplate(t *testing.T) {
	w := newInviteWorld(t)
	w.withTemplates()
	report, err := w.svc.InviteMany(w.manager, w.acme.ID, entriesOf("ada@example.com", "bob@example.com"), BulkOptions{Role: "member", SendEmail: true, Template: "reseller"})
	if err != nil || report.Created != 2 {
		t.Fatalf("bulk: %+v, %v", report, err)
	}
	csv, _, err := w.svc.ImportCSV(w.manager, w.acme.ID, []byte("email,role\ncyd@example.com,member\n"), BulkOptions{SendEmail: true, Template: "msp"})
	if err != nil || csv.Created != 1 {
		t.Fatalf("CSV: %+v, %v", csv, err)
	}
	want := map[string]string{"ada@example.com": "reseller", "bob@example.com": "reseller", "cyd@example.com": "msp"}
	for _, r := range append(report.Results, csv.Results...) {
		inv := w.storedInvitation(r.Result.Invitation.ID)
		if inv.Template != want[inv.Email] {
			t.Errorf("%s has template %q, want %q", inv.Email, inv.Template, want[inv.Email])
		}
	}
}

func TestANewPartnersContactGetsTheTemplate(t *testing.T) {
	w := newInviteWorld(t)
	w.withTemplates()
	created, err := w.svc.CreatePartner(w.manager, PartnerInput{Name: "Initech", PrimaryContact: &Contact{Email: "peter@initech.example"}, SendEmail: true, Template: "msp"})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.storedInvitation(created.Invitation.Invitation.ID).Template; got != "msp" {
		t.Errorf("the contact's invitation has template %q, want msp", got)
	}
	refused := []struct {
		name string
		in   PartnerInput
		code string
	}{
		{"no contact", PartnerInput{Name: "Hooli", Template: "msp"}, "requires_primary_contact"},
		{"no portal access", PartnerInput{Name: "Hooli", PrimaryContact: &Contact{Email: "gavin@hooli.example"}, NoPortalAccess: true, Template: "msp"}, "requires_portal_access"},
	}
	for _, tt := range refused {
		_, err := w.svc.CreatePartner(w.manager, tt.in)
		if fields := fieldsOf(err); fields["template"] != tt.code {
			t.Errorf("%s: %v, want %s on template", tt.name, err, tt.code)
		}
	}
}

// A resend and a renewal keep the invitation's template; a re-invite of the
// pending invitation takes the template it names, or the default.
func TestReissuesKeepOrChangeTheTemplate(t *testing.T) {
	tests := []struct {
		name    string
		reissue func(w *inviteWorld, first InviteResult) error
		want    string
	}{
		{"resend keeps it", func(w *inviteWorld, first InviteResult) error {
			_, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: true})
			return err
		}, "reseller"},
		{"resend keeps it after the template was deleted", func(w *inviteWorld, first InviteResult) error {
			w.deleteTemplates()
			_, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: true})
			return err
		}, "reseller"},
		{"self-service renewal keeps it", func(w *inviteWorld, first InviteResult) error {
			st, _ := w.store.GetSettings(w.t.Context(), tenantA)
			st.SelfServiceRenewal = true
			if _, err := w.svc.UpdateSettings(w.as(tenantA, RoleAdmin), st); err != nil {
				return err
			}
			w.clock.advance(49 * time.Hour)
			_, outcome, err := w.svc.RequestRenewal(w.t.Context(), linkToken(w.t, first))
			if outcome != RenewalSent {
				w.t.Errorf("renewal outcome %q, want sent", outcome)
			}
			return err
		}, "reseller"},
		{"re-invite with another", func(w *inviteWorld, first InviteResult) error {
			_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", Template: "msp"})
			return err
		}, "msp"},
		{"re-invite without one", func(w *inviteWorld, first InviteResult) error {
			_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member"})
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			w.svc.Tenants = w.store
			w.withTemplates()
			first, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", Template: "reseller"})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.reissue(w, first); err != nil {
				t.Fatal(err)
			}
			inv := w.storedInvitation(first.Invitation.ID)
			if inv.SendSeq != 2 || inv.Template != tt.want {
				t.Errorf("issue %d with template %q, want issue 2 with %q", inv.SendSeq, inv.Template, tt.want)
			}
		})
	}
}
