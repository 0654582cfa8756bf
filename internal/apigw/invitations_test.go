package apigw_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

func TestPastedListPartialSuccess(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	a, b, c, d, e := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c"), uniqueEmail(t, "d"), uniqueEmail(t, "e")
	pasted := fmt.Sprintf("%s, Bea Baker <%s>; %s\n%s\tnot-an-address, %s\r\n%s", a, b, c, d, strings.ToUpper(a), e)

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": pasted, "role": "member"})
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	if diff := cmp.Diff(map[string]any{"total": float64(7), "created": float64(5), "resent": float64(0), "errors": float64(2)}, body["summary"]); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var got []string
	for _, item := range body["results"].([]any) {
		it := item.(map[string]any)
		s := it["status"].(string)
		if errObj, ok := it["error"].(map[string]any); ok {
			s += ":" + errObj["code"].(string)
		}
		got = append(got, s)
	}
	want := []string{"created", "created", "created", "created", "error:invalid_email", "error:duplicate", "created"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)
	if len(users) != 5 {
		t.Errorf("%d users, want 5", len(users))
	}
	for _, u := range users {
		if u.(map[string]any)["email"] == b && u.(map[string]any)["first_name"] != "Bea" {
			t.Errorf("the name from the mail client was not kept: %v", u)
		}
	}

	// An array with a role per address; an unknown role is that entry's error.
	r = api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": []any{
		map[string]any{"email": uniqueEmail(t, "f"), "role": "admin"}, map[string]any{"email": uniqueEmail(t, "g"), "role": "owner"}, uniqueEmail(t, "h"),
	}})
	wantStatus(t, r, http.StatusOK)
	results := r.JSON(t)["results"].([]any)
	if results[0].(map[string]any)["invitation"].(map[string]any)["role"] != "admin" ||
		results[1].(map[string]any)["error"].(map[string]any)["code"] != "unknown_role" ||
		results[2].(map[string]any)["error"].(map[string]any)["code"] != "required" {
		t.Errorf("per-address roles: %s", r.Body)
	}

	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": "", "role": "member"}), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": 42}), http.StatusBadRequest)
	many := make([]string, partners.MaxBulkInvites+1)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@x.io", i)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": many, "role": "member"}), http.StatusRequestEntityTooLarge)
}

func TestCSVImport(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	other := newPartner(t, api, key, "Initech")
	taken := uniqueEmail(t, "taken")
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+other+"/users", key, map[string]any{"email": taken, "role": "member"}), http.StatusCreated)

	a, b, c := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c")
	csv := "\xef\xbb\xbfEmail,Role,First_Name,Phone\r\n" +
		a + ",admin,Ada,+44 20 7946 0958\r\n" +
		"\"Hopper, Grace <" + b + ">\",member,,\r\n" +
		"not-an-email,member,X,\r\n" +
		c + ",member,\"Lovelace, Ada\",\r\n" +
		taken + ",member,,\r\n" +
		strings.ToUpper(a) + ",member,,\r\n" +
		uniqueEmail(t, "d") + ",owner,,\r\n" +
		uniqueEmail(t, "e") + ",member,,12\r\n"

	dry := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?dry_run=true", key, csv, "Content-Type", "text/csv")
	wantStatus(t, dry, http.StatusOK)
	if body := dry.JSON(t); body["dry_run"] != true || body["summary"].(map[string]any)["created"] != float64(3) {
		t.Errorf("dry run: %s", dry.Body)
	}
	if n := len(api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)); n != 0 {
		t.Errorf("the dry run wrote %d users", n)
	}

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusOK)
	type row struct {
		Row    float64
		Status string
		Code   string
	}
	var got []row
	for _, item := range r.JSON(t)["results"].([]any) {
		it := item.(map[string]any)
		rw := row{Row: it["row"].(float64), Status: it["status"].(string)}
		if e, ok := it["error"].(map[string]any); ok {
			rw.Code = e["code"].(string)
			if rw.Code == "email_taken" && e["partner"].(map[string]any)["id"] != other {
				t.Errorf("the error does not name the partner that owns the email: %v", e)
			}
		}
		got = append(got, rw)
	}
	want := []row{
		{2, "created", ""}, {3, "created", ""}, {4, "error", "invalid_email"}, {5, "created", ""},
		{6, "error", "email_taken"}, {7, "error", "duplicate"}, {8, "error", "unknown_role"}, {9, "error", "invalid_phone"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	sample := api.Do(t, "GET", "/v1/invitations/sample.csv", key, nil)
	wantStatus(t, sample, http.StatusOK)
	if !strings.HasPrefix(sample.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(sample.Body), "email,role") {
		t.Errorf("sample: %s %s", sample.Header.Get("Content-Type"), sample.Body)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, "email\nx@y.io\n", "Content-Type", "text/csv"), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, csv), http.StatusUnsupportedMediaType)
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

func TestSESOutageLosesNothing(t *testing.T) {
	ses := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", ses.URL)
	// No SDK-level retries: the outbox's own retries must carry the outage.
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")

	ses.Stop()
	var emails []string
	for i := range 5 {
		email := uniqueEmail(t, fmt.Sprint("p", i))
		emails = append(emails, email)
		wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"}), http.StatusCreated)
	}
	time.Sleep(1500 * time.Millisecond) // the sender fails and retries meanwhile
	ses.Start()
	for _, email := range emails {
		deadline := time.Now().Add(20 * time.Second)
		for len(testenv.SentVia(t, ses.URL, email)) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no email to %s after SES came back", email)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, email := range emails {
		if n := len(testenv.SentVia(t, ses.URL, email)); n != 1 {
			t.Errorf("%d emails to %s, want 1", n, email)
		}
	}
	// The stream is processed in order: the first invitation is retried
	// while SES is down and holds back the ones after it.
	retried := false
	for _, inv := range api.Do(t, "GET", "/v1/invitations", key, nil).JSON(t)["data"].([]any) {
		d := inv.(map[string]any)["delivery"].(map[string]any)
		if d["status"] != "sent" {
			t.Errorf("delivery %v, want sent", d)
		}
		retried = retried || d["attempts"].(float64) >= 2
	}
	if !retried {
		t.Error("no delivery was retried: the outage was not exercised")
	}
}

func TestDeliveryFailsAfterTheRetryWindowAndResendRecovers(t *testing.T) {
	ses := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", ses.URL)
	api := testenv.NewAPI(t, "DELIVERY_RETRY_WINDOW", "1s")
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	ses.Stop()
	email := uniqueEmail(t, "late")
	id := invitation(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"}))["id"].(string)
	failed := waitForDelivery(t, api, key, id, "failed")
	if d := failed["delivery"].(map[string]any); d["last_error"] == nil || d["failure_reason"] != "expired_in_queue" {
		t.Errorf("failed delivery without its reason: %v", d)
	}
	ses.Start()
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, nil), http.StatusOK)
	waitForDelivery(t, api, key, id, "sent")
	if n := len(testenv.SentVia(t, ses.URL, email)); n != 1 {
		t.Errorf("%d emails, want 1", n)
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

func TestSettings(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, manager := api.Key(t, tenantID, partners.RoleManager)
	got := api.Do(t, "GET", "/v1/settings", key, nil).JSON(t)
	if got["invite_ttl_hours"] != float64(48) || len(got["roles"].([]any)) != 2 {
		t.Errorf("defaults: %v", got)
	}
	bad := api.Do(t, "PUT", "/v1/settings", key, map[string]any{
		"invite_ttl_hours": 0, "roles": []string{"Admin"}, "branding": map[string]any{"accent_color": "blue", "logo_url": "http://x"},
		"email_templates": map[string]any{"html": "<p>\n{{.Nickname}}</p>", "subject": "{{.PartnerName"},
	})
	wantStatus(t, bad, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"branding.accent_color", "branding.logo_url", "email_templates.html", "email_templates.subject", "invite_ttl_hours", "roles[0]"}, problemFields(t, bad)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(bad.Body), "line 2, column 3") {
		t.Errorf("the template error does not give line and column: %s", bad.Body)
	}
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", manager, map[string]any{"invite_ttl_hours": 24}), http.StatusForbidden)

	ok := api.Do(t, "PUT", "/v1/settings", key, map[string]any{
		"invite_ttl_hours": 72, "roles": []string{"owner", "sales"},
		"branding":        map[string]any{"accent_color": "#FF6600"},
		"email_templates": map[string]any{"subject": "Welcome to {{.PartnerName}}, {{.FirstName}}"},
	})
	wantStatus(t, ok, http.StatusOK)
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "ada")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "owner", "first_name": "Ada"})
	wantStatus(t, r, http.StatusCreated)
	expires, _ := time.Parse(time.RFC3339, invitation(t, r)["expires_at"].(string))
	if d := time.Until(expires); d < 71*time.Hour {
		t.Errorf("the tenant's lifetime was not used: %v", d)
	}
	mail := testenv.WaitForMail(t, email, 1, 10*time.Second)[0]
	if mail.Subject != "Welcome to Globex, Ada" || !strings.Contains(mail.Body.HTML, "#ff6600") || !strings.Contains(mail.Body.Text, "3 days") {
		t.Errorf("the email does not follow the settings: %q\n%s", mail.Subject, mail.Body.Text)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "b"), "role": "member"}), http.StatusBadRequest)
}

func TestLargeImportRunsAsAJob(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, keyB := api.Tenant(t, "Tenant B")
	_, viewer := api.Key(t, tenantID, partners.RoleViewer)
	pid := newPartner(t, api, key, "Globex")
	var csv strings.Builder
	csv.WriteString("email,role\n")
	var emails []string
	for i := range partners.ImportChunkRows + 10 { // two chunks of good rows
		email := uniqueEmail(t, fmt.Sprint("row", i))
		emails = append(emails, email)
		csv.WriteString(email + ",member\n")
	}
	csv.WriteString("not-an-email,member\n" + emails[0] + ",member\n")

	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true", viewer, csv.String(), "Content-Type", "text/csv"), http.StatusForbidden)
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true&send_email=false", key, csv.String(), "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	job := r.JSON(t)
	id := job["id"].(string)
	if r.Header.Get("Location") != "/v1/imports/"+id || job["status"] != "processing" && job["status"] != "completed" {
		t.Fatalf("job: %s (Location %q)", r.Body, r.Header.Get("Location"))
	}

	// A viewer may follow the job; it never sees a link, and its reads
	// leave the links for the key that made the import.
	deadline := time.Now().Add(60 * time.Second)
	for {
		job = api.Do(t, "GET", "/v1/imports/"+id, viewer, nil).JSON(t)
		if job["status"] == "completed" {
			if strings.Contains(fmt.Sprint(job["results"]), "/activate/") {
				t.Error("a viewer key read an activation link")
			}
			job = api.Do(t, "GET", "/v1/imports/"+id, key, nil).JSON(t)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not complete: %v", job["summary"])
		}
		time.Sleep(200 * time.Millisecond)
	}
	total := partners.ImportChunkRows + 12
	if diff := cmp.Diff(map[string]any{"total": float64(total), "done": float64(total), "created": float64(total - 2), "resent": float64(0), "errors": float64(2)}, job["summary"]); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	results := job["results"].([]any)
	if len(results) != total {
		t.Fatalf("%d results, want %d", len(results), total)
	}
	for i, item := range results {
		it := item.(map[string]any)
		if it["row"] != float64(i+2) {
			t.Fatalf("result %d is row %v: results are not in file order", i, it["row"])
		}
	}
	if last := results[total-1].(map[string]any); last["error"].(map[string]any)["code"] != "duplicate" {
		t.Errorf("last row: %v", last)
	}
	first := results[0].(map[string]any)
	link, _ := first["activation_url"].(string)
	if first["status"] != "created" || !strings.HasPrefix(link, api.URL+"/activate/") {
		t.Errorf("first row: %v", first)
	}
	if strings.Contains(api.Dump(t), strings.TrimPrefix(link, api.URL+"/activate/")) {
		t.Error("an import's link rests in the table in plain text")
	}
	// The links were shown once, and are gone from the job.
	if again := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(again.Body), "/activate/") {
		t.Error("the import's links were shown twice")
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users?limit=100", key, nil).JSON(t)
	if users["has_more"] != true {
		t.Errorf("the job's users are not there: %v", users["data"])
	}
	wantStatus(t, api.Do(t, "GET", "/v1/imports/"+id, keyB, nil), http.StatusNotFound)
}
