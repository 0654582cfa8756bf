package apigw_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// mailed is an invitation whose email the sender sent into the SES
// emulator, and that email's message id as the invitation records it.
type mailed struct {
	api                         *testenv.API
	tenantID, key, pid, id, uid string
	email, messageID            string
}

func inviteAndMail(t *testing.T) mailed {
	t.Helper()
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	email := uniqueEmail(t, "ada")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, r, http.StatusCreated)
	inv := invitation(t, r)
	m := mailed{api: api, tenantID: tenantID, key: key, pid: pid, id: inv["id"].(string), email: email}
	m.uid = inv["user_id"].(string)
	sent := waitForDelivery(t, api, key, m.id, "sent")
	m.messageID, _ = sent["delivery"].(map[string]any)["message_id"].(string)
	mails := testenv.WaitForMail(t, email, 1, 10*time.Second)
	if m.messageID == "" || mails[0].MessageID != m.messageID {
		t.Fatalf("the invitation records message %q, the emulator holds %q", m.messageID, mails[0].MessageID)
	}
	return m
}

// feed gives record-email-event a sample SES event about a message.
func (m mailed) feed(t *testing.T, sample, messageID, tenantID, invitationID string) string {
	t.Helper()
	out := m.api.Invoke(t, apigw.RecordEmailEventFunction, testenv.SESEvent(t, sample, messageID, tenantID, invitationID))
	var res struct {
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return res.Outcome
}

func (m mailed) delivery(t *testing.T) map[string]any {
	t.Helper()
	r := m.api.Do(t, "GET", "/v1/invitations/"+m.id, m.key, nil)
	wantStatus(t, r, http.StatusOK)
	return r.JSON(t)["delivery"].(map[string]any)
}

func (m mailed) user(t *testing.T) map[string]any {
	t.Helper()
	r := m.api.Do(t, "GET", "/v1/partners/"+m.pid+"/users", m.key, nil)
	wantStatus(t, r, http.StatusOK)
	for _, u := range r.JSON(t)["data"].([]any) {
		if u := u.(map[string]any); u["id"] == m.uid {
			return u
		}
	}
	t.Fatalf("no user %s in %s", m.uid, r.Body)
	return nil
}

// The acceptance: a bounce sample fed to record-email-event makes
// the invitation's delivery bounced and emits invitation.bounced; the
// address is flagged on the user; a late delivery does not undo it.
func TestABounceMarksTheInvitationBouncedAndEmitsTheEvent(t *testing.T) {
	m := inviteAndMail(t)
	if got := m.feed(t, "record-email-event.json", m.messageID, m.tenantID, m.id); got != "recorded" {
		t.Fatalf("outcome %s, want recorded", got)
	}
	d := m.delivery(t)
	if d["status"] != "bounced" || d["bounce_type"] != "permanent" || d["bounce_sub_type"] != "General" || d["reported_at"] == nil || d["message_id"] != m.messageID {
		t.Errorf("delivery %v, want bounced (permanent, General) for %s", d, m.messageID)
	}
	evs := eventsOf(t, m.api, m.key, "type=invitation.bounced", 1)
	if len(evs) != 1 || evs[0]["subject"].(map[string]any)["id"] != m.id || evs[0]["actor"].(map[string]any)["type"] != "system" {
		t.Fatalf("events %v, want one invitation.bounced of %s by the system", evs, m.id)
	}
	data := evs[0]["data"].(map[string]any)
	if data["delivery"].(map[string]any)["status"] != "bounced" {
		t.Errorf("the event's invitation: %v", data)
	}
	if u := m.user(t); u["email_bounced_at"] == nil || u["email_complained_at"] != nil {
		t.Errorf("user %v, want email_bounced_at set", u)
	}

	// A delivery report of the same message, arriving late, changes nothing.
	if got := m.feed(t, "ses/delivery.json", m.messageID, m.tenantID, m.id); got != "outranked" {
		t.Errorf("late delivery: outcome %s, want outranked", got)
	}
	if d := m.delivery(t); d["status"] != "bounced" {
		t.Errorf("after a late delivery: %v, want still bounced", d)
	}
	// The same bounce again (the bus delivers at least once): no second event.
	if got := m.feed(t, "ses/bounce-permanent.json", m.messageID, m.tenantID, m.id); got != "outranked" {
		t.Errorf("repeated bounce: outcome %s, want outranked", got)
	}
	all := eventsOf(t, m.api, m.key, "subject_id="+m.id, 3)
	if n := strings.Count(strings.Join(typesOf(all), " "), "invitation.bounced"); n != 1 {
		t.Errorf("events of the invitation %v: %d invitation.bounced, want 1", typesOf(all), n)
	}
}

// A report about another message — or whose tags name this invitation under
// another tenant, or another tenant's invitation — changes nothing.
func TestAReportAboutAnotherMessageOrTenantChangesNothing(t *testing.T) {
	m := inviteAndMail(t)
	otherTenant, otherKey := m.api.Tenant(t, "Initech")
	tests := []struct {
		name                   string
		messageID, tenant, inv string
		want                   string
	}{
		{"an older issue's message", "0102019300000000-00000000-0000-0000-0000-000000000000-000000", m.tenantID, m.id, "other_message"},
		{"the invitation under another tenant", m.messageID, otherTenant, m.id, "no_invitation"},
		{"no such invitation", m.messageID, m.tenantID, "inv_01JD0000000000000000000001", "no_invitation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.feed(t, "ses/bounce-permanent.json", tt.messageID, tt.tenant, tt.inv); got != tt.want {
				t.Errorf("outcome %s, want %s", got, tt.want)
			}
		})
	}
	if d := m.delivery(t); d["status"] != "sent" || d["bounce_type"] != nil {
		t.Errorf("delivery %v, want still sent", d)
	}
	if u := m.user(t); u["email_bounced_at"] != nil {
		t.Errorf("user flagged: %v", u)
	}
	if r := m.api.Do(t, "GET", "/v1/events?type=invitation.bounced", otherKey, nil); len(r.JSON(t)["data"].([]any)) != 0 {
		t.Errorf("the other tenant has events: %s", r.Body)
	}
	// Malformed and unsupported events are acknowledged, not retried.
	for payload, want := range map[string]string{
		`{"source":"aws.ses","detail-type":"Email Opened","detail":{"eventType":"Open","mail":{"messageId":"x","tags":{}}}}`: "unsupported",
		`{"source":"aws.ses","detail":"garbage"}`: "unusable",
	} {
		var res struct{ Outcome string }
		if err := json.Unmarshal(m.api.Invoke(t, apigw.RecordEmailEventFunction, []byte(payload)), &res); err != nil || res.Outcome != want {
			t.Errorf("%s: outcome %q (%v), want %s", payload, res.Outcome, err, want)
		}
	}
}

// A resend to a hard-bounced address is refused with recipient_bounced
// unless forced; a link-only resend always works; a re-invite of the same
// person is refused the same way. A forced resend that is delivered clears
// the flag.
func TestAResendToABouncedAddressNeedsForce(t *testing.T) {
	m := inviteAndMail(t)
	m.feed(t, "ses/bounce-permanent.json", m.messageID, m.tenantID, m.id)

	r := m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, map[string]any{})
	wantStatus(t, r, http.StatusConflict)
	if p := r.JSON(t); p["code"] != "recipient_bounced" || !strings.Contains(p["detail"].(string), `"force": true`) || p["user_id"] != m.uid {
		t.Errorf("problem %s, want recipient_bounced naming force", r.Body)
	}
	r = m.api.Do(t, "POST", "/v1/partners/"+m.pid+"/users", m.key, map[string]any{"email": m.email, "role": "member"})
	wantStatus(t, r, http.StatusConflict)
	if p := r.JSON(t); p["code"] != "recipient_bounced" {
		t.Errorf("re-invite: %s, want recipient_bounced", r.Body)
	}
	if d := m.delivery(t); d["status"] != "bounced" {
		t.Errorf("the refusals changed the invitation: %v", d)
	}

	r = m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, map[string]any{"send_email": false})
	wantStatus(t, r, http.StatusOK)
	if inv := r.JSON(t); inv["activation_url"] == nil || inv["delivery"].(map[string]any)["status"] != "not_sent" {
		t.Errorf("link-only resend: %s", r.Body)
	}

	r = m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, map[string]any{"force": true})
	wantStatus(t, r, http.StatusOK)
	sent := waitForDelivery(t, m.api, m.key, m.id, "sent")
	second, _ := sent["delivery"].(map[string]any)["message_id"].(string)
	mails := testenv.WaitForMail(t, m.email, 2, 10*time.Second)
	if second == "" || second == m.messageID || mails[len(mails)-1].MessageID != second {
		t.Fatalf("forced resend: message %q (first %q), emulator %v", second, m.messageID, mails)
	}
	if u := m.user(t); u["email_bounced_at"] == nil {
		t.Errorf("the flag went before anything was delivered: %v", u)
	}
	// The first message's late bounce does not mark the new issue.
	if got := m.feed(t, "ses/bounce-permanent.json", m.messageID, m.tenantID, m.id); got != "other_message" {
		t.Errorf("old message's bounce: %s, want other_message", got)
	}
	if got := m.feed(t, "ses/delivery.json", second, m.tenantID, m.id); got != "recorded" {
		t.Fatalf("delivery of the forced resend: %s", got)
	}
	if d := m.delivery(t); d["status"] != "delivered" {
		t.Errorf("delivery %v, want delivered", d)
	}
	if u := m.user(t); u["email_bounced_at"] != nil {
		t.Errorf("a delivered email left the flag: %v", u)
	}
	wantStatus(t, m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, map[string]any{}), http.StatusOK)
}

// A complaint marks the delivery complained (invitation.complained) and
// flags the address; a reject marks it failed, rejected
// (invitation.delivery_failed); a transient bounce changes no status.
func TestComplaintRejectAndTransientBounce(t *testing.T) {
	t.Run("complaint", func(t *testing.T) {
		m := inviteAndMail(t)
		m.feed(t, "ses/delivery.json", m.messageID, m.tenantID, m.id)
		m.feed(t, "ses/complaint.json", m.messageID, m.tenantID, m.id)
		if d := m.delivery(t); d["status"] != "complained" {
			t.Errorf("delivery %v", d)
		}
		if evs := eventsOf(t, m.api, m.key, "type=invitation.complained", 1); len(evs) != 1 {
			t.Errorf("events %v", evs)
		}
		if u := m.user(t); u["email_complained_at"] == nil {
			t.Errorf("user %v", u)
		}
		r := m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, nil)
		wantStatus(t, r, http.StatusConflict)
		if r.JSON(t)["code"] != "recipient_complained" {
			t.Errorf("resend: %s", r.Body)
		}
	})
	t.Run("reject", func(t *testing.T) {
		m := inviteAndMail(t)
		m.feed(t, "ses/reject.json", m.messageID, m.tenantID, m.id)
		if d := m.delivery(t); d["status"] != "failed" || d["failure_reason"] != "rejected" {
			t.Errorf("delivery %v", d)
		}
		if evs := eventsOf(t, m.api, m.key, "type=invitation.delivery_failed", 1); len(evs) != 1 {
			t.Errorf("events %v", evs)
		}
	})
	t.Run("transient bounce", func(t *testing.T) {
		m := inviteAndMail(t)
		if got := m.feed(t, "ses/bounce-transient.json", m.messageID, m.tenantID, m.id); got != "recorded" {
			t.Errorf("outcome %s", got)
		}
		if d := m.delivery(t); d["status"] != "sent" || d["bounce_type"] != "transient" || d["last_error"] == nil {
			t.Errorf("delivery %v, want sent with the transient bounce noted", d)
		}
		if u := m.user(t); u["email_bounced_at"] != nil {
			t.Errorf("a soft bounce flagged the user: %v", u)
		}
		wantStatus(t, m.api.Do(t, "POST", "/v1/invitations/"+m.id+"/resend", m.key, nil), http.StatusOK)
	})
}
