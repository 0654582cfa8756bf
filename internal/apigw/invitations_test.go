package apigw_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// uniqueEmail makes addresses no other test (sharing the SES emulator) uses.
func uniqueEmail(t *testing.T, local string) string {
	return fmt.Sprintf("%s+%d@%s.example", local, time.Now().UnixNano(), strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())))
}

func newPartner(t *testing.T, api *testenv.API, key, name string) string {
	t.Helper()
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": name})
	wantStatus(t, r, http.StatusCreated)
	return r.JSON(t)["id"].(string)
}

func invitation(t *testing.T, r testenv.Response) map[string]any {
	t.Helper()
	inv, ok := r.JSON(t)["invitation"].(map[string]any)
	if !ok {
		t.Fatalf("no invitation in %s", r.Body)
	}
	return inv
}

func TestInviteOneMailsAWorkingLinkAndStoresNoToken(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	email := uniqueEmail(t, "ada")

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
		"email": email, "first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0958", "job_title": "CTO", "role": "admin",
	})
	wantStatus(t, r, http.StatusCreated)
	body := r.JSON(t)
	inv := invitation(t, r)
	if body["outcome"] != "created" || inv["status"] != "pending" || inv["activation_url"] != nil {
		t.Errorf("invite answered %s", r.Body)
	}
	user := body["user"].(map[string]any)
	if user["status"] != "invited" || user["phone"] != "+442079460958" || user["role"] != "admin" {
		t.Errorf("user %v", user)
	}
	expires, _ := time.Parse(time.RFC3339, inv["expires_at"].(string))
	if d := time.Until(expires); d < 47*time.Hour || d > 48*time.Hour {
		t.Errorf("expires in %v, want 48h", d)
	}

	mail := testenv.WaitForMail(t, email, 1, 10*time.Second)[0]
	token := testenv.ActivationToken(t, mail)
	for _, want := range []string{"Globex Resellers", "Acme SaaS", "Ada", "48 hours", expires.UTC().Format("02 Jan 2006")} {
		if !strings.Contains(mail.Body.Text, want) || !strings.Contains(mail.Body.HTML, want) {
			t.Errorf("the email does not say %q:\n%s", want, mail.Body.Text)
		}
	}
	if mail.From != "invites@partner-invites.example" {
		t.Errorf("from %q", mail.From)
	}
	resolved, err := api.App.Service.ResolveToken(t.Context(), token)
	if err != nil || resolved.ID != inv["id"] || resolved.TenantID != tenantID {
		t.Fatalf("the link resolves to %+v, %v; want %v", resolved.ID, err, inv["id"])
	}

	got := waitForDelivery(t, api, key, inv["id"].(string), "sent")
	if got["delivery"].(map[string]any)["message_id"] != mail.MessageID {
		t.Errorf("delivery %v, mail %s", got["delivery"], mail.MessageID)
	}
	if dump := api.Dump(t); strings.Contains(dump, token) {
		t.Error("the raw token rests in the table or its stream")
	}
	if strings.Contains(api.Logs.String(), token) {
		t.Error("the raw token is in the logs")
	}
}

func waitForDelivery(t *testing.T, api *testenv.API, key, id, status string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		inv := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t)
		if inv["delivery"].(map[string]any)["status"] == status {
			return inv
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery of %s is %v, want %s", id, inv["delivery"], status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func goneReason(t *testing.T, api *testenv.API, token string) string {
	t.Helper()
	_, err := api.App.Service.ResolveToken(t.Context(), token)
	if err == nil {
		return "live"
	}
	var e *partners.Error
	if !asError(err, &e) || e.Kind != partners.Gone {
		t.Fatalf("ResolveToken: %v", err)
	}
	return e.Details["reason"].(string)
}

func TestResendKillsTheOldLinkAndRevokeKillsTheNew(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "grace")
	id := invitation(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"}))["id"].(string)
	oldToken := testenv.ActivationToken(t, testenv.WaitForMail(t, email, 1, 10*time.Second)[0])

	r := api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, nil)
	wantStatus(t, r, http.StatusOK)
	if inv := r.JSON(t); inv["send_count"] != float64(2) || inv["status"] != "pending" {
		t.Errorf("resend answered %s", r.Body)
	}
	mails := testenv.WaitForMail(t, email, 2, 10*time.Second)
	newToken := testenv.ActivationToken(t, mails[1])
	if newToken == oldToken {
		t.Fatal("resend sent the same link")
	}
	if got := goneReason(t, api, oldToken); got != "replaced" {
		t.Errorf("old link: %s, want replaced", got)
	}
	if got := goneReason(t, api, newToken); got != "live" {
		t.Errorf("new link: %s, want live", got)
	}

	r = api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", key, nil)
	wantStatus(t, r, http.StatusOK)
	if r.JSON(t)["status"] != "revoked" {
		t.Errorf("revoke answered %s", r.Body)
	}
	if got := goneReason(t, api, newToken); got != "revoked" {
		t.Errorf("revoked link: %s, want revoked", got)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", key, nil), http.StatusConflict)
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, nil), http.StatusConflict)
	if _, err := api.App.Service.ResolveToken(t.Context(), strings.Repeat("A", 43)); !partners.IsKind(err, partners.NotFound) {
		t.Errorf("unknown link: %v, want NotFound", err)
	}
}

func TestAnEmailBelongsToOnePartner(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	partnerIDs := []string{newPartner(t, api, key, "Globex"), newPartner(t, api, key, "Initech")}
	names := map[string]string{partnerIDs[0]: "Globex", partnerIDs[1]: "Initech"}
	email := uniqueEmail(t, "contested")

	type outcome struct {
		partner string
		status  int
		body    map[string]any
	}
	outcomes := make([]outcome, 20)
	var wg sync.WaitGroup
	for i := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pid := partnerIDs[i%2]
			r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
			outcomes[i] = outcome{pid, r.Status, r.JSON(t)}
		}()
	}
	wg.Wait()
	var winner string
	created := 0
	for _, o := range outcomes {
		if o.status == http.StatusCreated {
			created++
			winner = o.partner
		}
	}
	if created != 1 {
		t.Fatalf("%d invitations created, want exactly 1: %+v", created, outcomes)
	}
	for _, o := range outcomes {
		switch {
		case o.partner != winner:
			if o.status != http.StatusConflict || o.body["partner"].(map[string]any)["id"] != winner || o.body["partner"].(map[string]any)["name"] != names[winner] {
				t.Errorf("the loser got %d %v, want 409 naming %s", o.status, o.body, winner)
			}
		case o.status == http.StatusConflict && o.body["code"] == "concurrent_change":
			// Many racers on one invitation: some are told to retry.
		case o.status != http.StatusCreated && o.status != http.StatusOK && o.status != http.StatusTooManyRequests:
			// Re-inviting a pending person to the same partner replaces the
			// invitation (200), at most five times an hour (then 429).
			t.Errorf("a request to the winner got %d %v", o.status, o.body)
		}
	}
	pending := api.Do(t, "GET", "/v1/invitations?email="+url.QueryEscape(email), key, nil).JSON(t)["data"].([]any)
	if len(pending) != 1 {
		t.Errorf("%d invitations for the email, want 1", len(pending))
	}
}

func TestRulesOfReinviting(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "ada")

	first := invitation(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member", "expires_in_hours": 2}))
	// Inviting a pending person again replaces the invitation: new link, same invitation.
	again := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": strings.ToUpper(email), "role": "admin"})
	wantStatus(t, again, http.StatusOK)
	if again.JSON(t)["outcome"] != "resent" || invitation(t, again)["id"] != first["id"] || invitation(t, again)["role"] != "admin" {
		t.Errorf("re-invite: %s", again.Body)
	}
	// An expired invitation never blocks a new one.
	clock.Advance(49 * time.Hour)
	if got := api.Do(t, "GET", "/v1/invitations/"+first["id"].(string), key, nil).JSON(t)["status"]; got != "expired" {
		t.Errorf("status after expiry = %v, want expired", got)
	}
	expired := api.Do(t, "GET", "/v1/invitations?status=expired", key, nil).JSON(t)["data"].([]any)
	if len(expired) != 1 {
		t.Errorf("status=expired lists %d", len(expired))
	}
	fresh := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, fresh, http.StatusCreated)
	if invitation(t, fresh)["id"] == first["id"] {
		t.Error("a new invitation was not made after expiry")
	}
	// A revoked invitation does not block one either.
	id := invitation(t, fresh)["id"].(string)
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", key, nil), http.StatusOK)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"}), http.StatusCreated)
	for status, n := range map[string]int{"pending": 1, "expired": 1, "revoked": 1, "accepted": 0} {
		if got := len(api.Do(t, "GET", "/v1/invitations?status="+status, key, nil).JSON(t)["data"].([]any)); got != n {
			t.Errorf("status=%s lists %d, want %d", status, got, n)
		}
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)
	if len(users) != 1 {
		t.Errorf("%d users for one person, want 1", len(users))
	}
	// Lifetimes: per invitation and per tenant.
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "x"), "role": "member", "expires_in_hours": 721}), http.StatusBadRequest)
}

func TestResendIsThrottled(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	id := invitation(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "x"), "role": "member", "send_email": false}))["id"].(string)
	for range 5 {
		wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, map[string]any{"send_email": false}), http.StatusOK)
	}
	r := api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, map[string]any{"send_email": false})
	wantStatus(t, r, http.StatusTooManyRequests)
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
}

func TestSkipTheEmailAndCopyTheLink(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "quiet")
	body := map[string]any{"email": email, "role": "member", "send_email": false}
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, body, "Idempotency-Key", "copy-link-1")
	wantStatus(t, r, http.StatusCreated)
	inv := invitation(t, r)
	link, _ := inv["activation_url"].(string)
	if !strings.HasPrefix(link, api.URL+"/activate/") || inv["delivery"].(map[string]any)["status"] != "not_sent" {
		t.Fatalf("invite answered %s", r.Body)
	}
	token := strings.TrimPrefix(link, api.URL+"/activate/")
	if got := goneReason(t, api, token); got != "live" {
		t.Errorf("the returned link is %s", got)
	}
	replay := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, body, "Idempotency-Key", "copy-link-1")
	if invitation(t, replay)["activation_url"] != link {
		t.Errorf("the replay did not return the same link")
	}
	time.Sleep(time.Second) // give the outbox every chance to (wrongly) send
	if n := len(testenv.Sent(t, email)); n != 0 {
		t.Errorf("%d emails sent, want none", n)
	}
	if dump := api.Dump(t); strings.Contains(dump, token) {
		t.Error("the raw token rests in the table (idempotent responses must be sealed)")
	}
}

func TestInvitationsRespectTenantsAndRoles(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantA, keyA := api.Tenant(t, "Tenant A")
	_, keyB := api.Tenant(t, "Tenant B")
	_, viewer := api.Key(t, tenantA, partners.RoleViewer)
	pid := newPartner(t, api, keyA, "Globex")
	id := invitation(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", keyA, map[string]any{"email": uniqueEmail(t, "x"), "role": "member", "send_email": false}))["id"].(string)

	for _, r := range []testenv.Response{
		api.Do(t, "POST", "/v1/partners/"+pid+"/users", viewer, map[string]any{"email": uniqueEmail(t, "y"), "role": "member"}),
		api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", viewer, map[string]any{"emails": "a@x.io", "role": "member"}),
		api.Do(t, "POST", "/v1/invitations/"+id+"/resend", viewer, nil),
		api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", viewer, nil),
		api.Do(t, "PUT", "/v1/settings", viewer, map[string]any{}),
	} {
		wantStatus(t, r, http.StatusForbidden)
	}
	wantStatus(t, api.Do(t, "GET", "/v1/invitations/"+id, viewer, nil), http.StatusOK)
	for _, r := range []testenv.Response{
		api.Do(t, "GET", "/v1/invitations/"+id, keyB, nil),
		api.Do(t, "POST", "/v1/invitations/"+id+"/resend", keyB, nil),
		api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", keyB, nil),
		api.Do(t, "POST", "/v1/partners/"+pid+"/users", keyB, map[string]any{"email": uniqueEmail(t, "z"), "role": "member"}),
		api.Do(t, "GET", "/v1/partners/"+pid+"/users", keyB, nil),
	} {
		wantStatus(t, r, http.StatusNotFound)
	}
	if n := len(api.Do(t, "GET", "/v1/invitations", keyB, nil).JSON(t)["data"].([]any)); n != 0 {
		t.Errorf("tenant B lists %d of A's invitations", n)
	}
}

func TestPrimaryContactIsInvitedAsAdmin(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "contact")
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{
		"name": "Globex", "onboarding": "invite", "primary_contact": map[string]any{"email": email, "first_name": "Ada"},
	})
	wantStatus(t, r, http.StatusCreated)
	inv, ok := r.JSON(t)["primary_contact_invitation"].(map[string]any)
	if !ok || inv["role"] != "admin" || inv["status"] != "pending" {
		t.Fatalf("create answered %s", r.Body)
	}
	testenv.WaitForMail(t, email, 1, 10*time.Second)
	// The same contact for another partner: nothing is created.
	r = api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Initech", "primary_contact": map[string]any{"email": email}})
	wantStatus(t, r, http.StatusConflict)
	if n := len(api.Do(t, "GET", "/v1/partners", key, nil).JSON(t)["data"].([]any)); n != 1 {
		t.Errorf("%d partners after the refused create, want 1", n)
	}
}
