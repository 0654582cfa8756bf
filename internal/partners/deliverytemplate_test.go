package partners

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// sentMail keeps what a Deliverer mailed.
type sentMail struct{ got []OutgoingEmail }

func (m *sentMail) Send(_ context.Context, e OutgoingEmail) (string, error) {
	m.got = append(m.got, e)
	return "msg-" + e.Tags["invitation_id"], nil
}

// The email sender renders the invitation's own template; one deleted from
// the settings since is replaced by the default, logged, and the email
// still goes.
func TestTheSenderUsesTheInvitationsTemplate(t *testing.T) {
	tests := []struct {
		name     string
		template string
		deleted  bool
		subject  string
		fallback bool
	}{
		{"the default", "", false, "Tenant ten_a invited you to join Acme", false},
		{"a named one", "reseller", false, "Resell with Tenant ten_a", false},
		{"a named one deleted since", "reseller", true, "Tenant ten_a invited you to join Acme", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			w.withTemplates()
			res, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true, Template: tt.template})
			if err != nil {
				t.Fatal(err)
			}
			if tt.deleted {
				w.deleteTemplates()
			}
			var logs bytes.Buffer
			mail := &sentMail{}
			d := &Deliverer{
				Store: w.store, Mailer: mail, Tokens: w.svc.Tokens, Clock: w.clock, From: "invites@example.com",
				BaseURL: activationBase, RetryWindow: time.Hour, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
			}
			inv := w.storedInvitation(res.Invitation.ID)
			if err := d.Deliver(t.Context(), tenantA, inv.ID, inv.SendSeq); err != nil {
				t.Fatal(err)
			}
			if len(mail.got) != 1 {
				t.Fatalf("%d emails sent, want 1", len(mail.got))
			}
			if !strings.HasPrefix(mail.got[0].Subject, tt.subject) {
				t.Errorf("subject %q, want it to start with %q", mail.got[0].Subject, tt.subject)
			}
			if got := w.storedInvitation(inv.ID).Delivery.Status; got != DeliverySent {
				t.Errorf("delivery %s, want sent", got)
			}
			fellBack := false
			for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q is not JSON: %v", line, err)
				}
				if rec["msg"] == "delivery: template gone, using the default" {
					fellBack = true
					if rec["template"] != tt.template || rec["level"] != "WARN" {
						t.Errorf("fallback log %v, want a warning naming %q", rec, tt.template)
					}
				}
			}
			if fellBack != tt.fallback {
				t.Errorf("fallback logged = %v, want %v:\n%s", fellBack, tt.fallback, logs.String())
			}
			if strings.Contains(logs.String(), "/activate/") {
				t.Errorf("the log shows the link:\n%s", logs.String())
			}
		})
	}
}
