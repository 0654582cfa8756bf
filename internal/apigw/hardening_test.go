package apigw_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// invitationCount is how many invitations a partner has.
func invitationCount(t *testing.T, api *testenv.API, key, pid string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		path := "/v1/invitations?limit=100&partner_id=" + pid
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := api.Do(t, "GET", path, key, nil).JSON(t)
		n += len(page["data"].([]any))
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// The largest requests the bulk endpoints take, with an Idempotency-Key,
// answer 2xx; the retry replays the same body and invites no one twice.
func TestTheLargestBulkRequestsKeepTheirAnswer(t *testing.T) {
	api := testenv.NewAPIWithConsumers(t, nil) // the sender's stream reads would only slow this down
	_, key := api.Tenant(t, "Acme SaaS")

	pasted := newPartner(t, api, key, "Pasted")
	emails := make([]string, partners.MaxBulkInvites)
	for i := range emails {
		emails[i] = fmt.Sprintf("person%04d@pasted.example", i)
	}
	body := map[string]any{"emails": strings.Join(emails, ", "), "role": "member"}
	first := api.Do(t, "POST", "/v1/partners/"+pasted+"/invitations", key, body, "Idempotency-Key", "paste-max")
	if first.Status/100 != 2 {
		t.Fatalf("pasted list at the maximum: %d %.300s", first.Status, first.Body)
	}
	again := api.Do(t, "POST", "/v1/partners/"+pasted+"/invitations", key, body, "Idempotency-Key", "paste-max")
	if again.Status != first.Status || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry of the pasted list: %d, replayed %q, same body %v", again.Status, again.Header.Get("Idempotent-Replayed"), string(again.Body) == string(first.Body))
	}
	if n := invitationCount(t, api, key, pasted); n != partners.MaxBulkInvites {
		t.Errorf("%d invitations after the list and its retry, want %d", n, partners.MaxBulkInvites)
	}
	over := map[string]any{"emails": append(emails, "one-too-many@pasted.example"), "role": "member"}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pasted+"/invitations", key, over, "Idempotency-Key", "paste-over"), http.StatusRequestEntityTooLarge)

	imported := newPartner(t, api, key, "Imported")
	var csv strings.Builder
	csv.WriteString("email,role,first_name\n")
	for i := range 1000 {
		fmt.Fprintf(&csv, "row%04d@imported.example,member,Row %d\n", i, i)
	}
	path := "/v1/partners/" + imported + "/invitations/import?send_email=false"
	first = api.Do(t, "POST", path, key, csv.String(), "Content-Type", "text/csv", "Idempotency-Key", "csv-1000")
	if first.Status/100 != 2 {
		t.Fatalf("1,000-row CSV: %d %.300s", first.Status, first.Body)
	}
	again = api.Do(t, "POST", path, key, csv.String(), "Content-Type", "text/csv", "Idempotency-Key", "csv-1000")
	if again.Status != first.Status || string(again.Body) != string(first.Body) {
		t.Errorf("the retry of the CSV: %d, same body %v", again.Status, string(again.Body) == string(first.Body))
	}
	if n := invitationCount(t, api, key, imported); n != 1000 {
		t.Errorf("%d invitations after the CSV and its retry, want 1000", n)
	}
}

// The fingerprint covers the query string, and the replay comes after the
// role check.
func TestAnIdempotencyKeyIsBoundToTheWholeRequestAndItsRole(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, viewer := api.Key(t, tenantID, partners.RoleViewer)
	pid := newPartner(t, api, key, "Globex")
	csv := "email,role\nada@globex.example,member\n"
	base := "/v1/partners/" + pid + "/invitations/import"

	wantStatus(t, api.Do(t, "POST", base+"?dry_run=true", key, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-1"), http.StatusOK)
	// The same key on the real import is another request: 422, nothing replayed.
	wantStatus(t, api.Do(t, "POST", base, key, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-1"), http.StatusUnprocessableEntity)
	if n := invitationCount(t, api, key, pid); n != 0 {
		t.Fatalf("%d invitations after a dry run", n)
	}
	real := api.Do(t, "POST", base, key, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-2")
	if real.Status/100 != 2 {
		t.Fatalf("the real import with a new key: %d %s", real.Status, real.Body)
	}
	if n := invitationCount(t, api, key, pid); n != 1 {
		t.Errorf("%d invitations after the real import, want 1", n)
	}
	// Parameters in another order are the same request.
	wantStatus(t, api.Do(t, "POST", base+"?dry_run=true&role=member", key, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-3"), http.StatusOK)
	if r := api.Do(t, "POST", base+"?role=member&dry_run=true", key, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-3"); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("reordered parameters were not the same request: %d", r.Status)
	}

	// A viewer key replaying an admin's key gets 403, not the stored answer.
	replay := api.Do(t, "POST", base, viewer, csv, "Content-Type", "text/csv", "Idempotency-Key", "import-2")
	wantStatus(t, replay, http.StatusForbidden)
	if strings.Contains(string(replay.Body), "ada@globex.example") {
		t.Errorf("the viewer saw the stored response: %s", replay.Body)
	}
}

// KELVIN SIGN (U+212A) lower-cases to k; an address with it is not Kate's,
// and SES could not send to it anyway: it is refused, and Kate's link lives.
func TestAKelvinSignIsNotKate(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	kate := uniqueEmail(t, "kate")
	path, id := activationLink(t, api, key, pid, kate)

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": "\u212A" + kate[1:], "role": "member"})
	wantStatus(t, r, http.StatusBadRequest)
	if fields := problemFields(t, r); len(fields) != 1 || fields[0] != "email" || !strings.Contains(string(r.Body), "undeliverable_email") {
		t.Errorf("the Kelvin address: %s", r.Body)
	}
	if got := goneReason(t, api, strings.TrimPrefix(path, "/activate/")); got != "live" {
		t.Errorf("Kate's link is %s", got)
	}
	if inv := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t); inv["status"] != "pending" || inv["send_count"] == float64(2) {
		t.Errorf("Kate's invitation: %v", inv)
	}
	many := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": []string{"\u212A" + kate[1:]}, "role": "member"})
	if !strings.Contains(string(many.Body), "undeliverable_email") {
		t.Errorf("the Kelvin address in a list: %s", many.Body)
	}
	if got := goneReason(t, api, strings.TrimPrefix(path, "/activate/")); got != "live" {
		t.Errorf("Kate's link is %s after the list", got)
	}
}

func TestAnExpiredInvitationCanBeRevoked(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	path, id := activationLink(t, api, key, newPartner(t, api, key, "Globex"), uniqueEmail(t, "late"))
	clock.Advance(49 * time.Hour)
	r := api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", key, nil)
	wantStatus(t, r, http.StatusOK)
	if st := r.JSON(t)["status"]; st != "revoked" {
		t.Errorf("revoked an expired invitation: status %v", st)
	}
	if got := goneReason(t, api, strings.TrimPrefix(path, "/activate/")); got != "revoked" {
		t.Errorf("the link is %s", got)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/revoke", key, nil), http.StatusConflict)
}

// A JSON route refuses a body of another media type with 415, whatever the
// route, before reading it.
func TestJSONRoutesRefuseOtherMediaTypes(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	_, id := activationLink(t, api, key, pid, uniqueEmail(t, "ada"))
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/partners", `{"name":"X"}`},
		{"PATCH", "/v1/partners/" + pid, `{"name":"X"}`},
		{"POST", "/v1/partners/" + pid + "/users", `{"email":"x@y.example","role":"member"}`},
		{"POST", "/v1/partners/" + pid + "/invitations", `{"emails":"x@y.example","role":"member"}`},
		{"POST", "/v1/invitations/" + id + "/resend", `{"send_email":false}`},
		{"PUT", "/v1/settings", `{"invite_ttl_hours":24}`},
		{"POST", "/v1/activations", `{"token":"x","password":"y"}`},
	} {
		// "": a body that does not say what it is is not taken for JSON.
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "text/csv", ""} {
			r := api.Do(t, c.method, c.path, key, c.body, "Content-Type", ct)
			if r.Status != http.StatusUnsupportedMediaType || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %q: %d %s", c.method, c.path, ct, r.Status, r.Body)
			}
		}
		// JSON that is not an object: encoding/json would decode null as
		// "no change" and take it for {}.
		for _, body := range []string{"null", "[]", `"x"`, "1"} {
			r := api.Do(t, c.method, c.path, key, body)
			if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s with %s: %d %s", c.method, c.path, body, r.Status, r.Body)
			}
		}
	}
}

// A null where a field has no null is refused, naming the field, rather
// than read as "absent" (and so as the default role).
func TestANullIsNotTheDefault(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/v1/partners/" + pid + "/invitations", `{"emails":"x@y.example","role":null}`, "role"},
		{"POST", "/v1/partners/" + pid + "/invitations", `{"emails":"x@y.example","email_verified":null}`, "email_verified"},
		{"POST", "/v1/partners/" + pid + "/users", `{"email":"x@y.example","role":"member","expires_in_hours":null}`, "expires_in_hours"},
	} {
		r := api.Do(t, c.method, c.path, key, c.body)
		wantStatus(t, r, http.StatusBadRequest)
		if errs, _ := r.JSON(t)["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field {
			t.Errorf("%s %s: %s, want one error naming %s", c.method, c.path, r.Body, c.field)
		}
	}
	// A merge patch's null removes a field, and a user always has a role.
	_, _ = activationLink(t, api, key, pid, uniqueEmail(t, "ada"))
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil)
	wantStatus(t, users, http.StatusOK)
	uid := users.JSON(t)["data"].([]any)[0].(map[string]any)["id"].(string)
	r := api.Do(t, "PATCH", "/v1/partners/"+pid+"/users/"+uid, key, `{"role":null}`)
	wantStatus(t, r, http.StatusBadRequest)
}

// An invitation that expired and was followed by a new one for the same
// person cannot be resent back to life: one person, one live link.
func TestAReplacedInvitationCannotBeResent(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "twice")
	oldPath, oldID := activationLink(t, api, key, pid, email)
	clock.Advance(49 * time.Hour)
	newPath, _ := activationLink(t, api, key, pid, email)
	r := api.Do(t, "POST", "/v1/invitations/"+oldID+"/resend", key, map[string]any{"send_email": false})
	wantStatus(t, r, http.StatusConflict)
	if code := r.JSON(t)["code"]; code != "invitation_replaced" {
		t.Errorf("code %v, want invitation_replaced", code)
	}
	if got := goneReason(t, api, strings.TrimPrefix(oldPath, "/activate/")); got != "replaced" {
		t.Errorf("the old link is %s, want replaced", got)
	}
	// Whoever holds the old link (or a mail scanner opening it) gets a dead
	// page with no renewal button, and opening it changes nothing.
	page := api.Do(t, "GET", oldPath, "", nil)
	wantStatus(t, page, http.StatusGone)
	if strings.Contains(string(page.Body), "/renew") {
		t.Errorf("the replaced link's page offers a renewal:\n%s", page.Body)
	}
	if inv := api.Do(t, "GET", "/v1/invitations/"+oldID, key, nil).JSON(t); inv["status"] != "expired" || inv["renewal_requested_at"] != nil {
		t.Errorf("the replaced invitation after its page was opened: %v", inv)
	}
	if got := goneReason(t, api, strings.TrimPrefix(newPath, "/activate/")); got != "live" {
		t.Errorf("the new link is %s, want live", got)
	}
}
