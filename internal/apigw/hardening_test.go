package apigw_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/partnerinvites/partnerinvites/internal/app"
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
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "text/csv"} {
			r := api.Do(t, c.method, c.path, key, c.body, "Content-Type", ct)
			if r.Status != http.StatusUnsupportedMediaType || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %s: %d %s", c.method, c.path, ct, r.Status, r.Body)
			}
		}
	}
}

// waitForImport polls a job with a key until it completes.
func waitForImport(t *testing.T, api *testenv.API, key, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		job := api.Do(t, "GET", "/v1/imports/"+id, key, nil).JSON(t)
		if job["status"] == "completed" {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not complete: %v", job["summary"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A link-only import's links can be read back once, by the key that made
// it, within a day; after that they are gone, and so is the chance.
func TestImportLinksAreShownOnceWithinADay(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, other := api.Key(t, tenantID, partners.RoleManager)
	pid := newPartner(t, api, key, "Globex")
	csv := "email,role\n" + uniqueEmail(t, "a") + ",member\n" + uniqueEmail(t, "b") + ",member\n"
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true&send_email=false", key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)

	// Another manager key follows it: no links for it.
	if job := waitForImport(t, api, other, id); strings.Contains(fmt.Sprint(job["results"]), "/activate/") {
		t.Error("another key of the tenant read the links")
	}
	clock.Advance(25 * time.Hour)
	if job := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(job.Body), "/activate/") {
		t.Error("the links were shown after a day")
	}
	clock.Advance(-25 * time.Hour)
	if job := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(job.Body), "/activate/") {
		t.Error("the links were still there after a read past their day")
	}
}

// One tenant's mail cannot stall another's: a template that shows the link
// to the sample only passes the save, fails its own delivery with a reason,
// and holds no one up; an email the mail service keeps refusing is retried
// behind the others, and ends failed, expired_in_queue, when its window
// passes.
func TestOneTenantsMailStallsNoOther(t *testing.T) {
	fault := testenv.NewFault()
	api := testenv.NewAPIWithOptions(t, app.Options{SESOptions: []func(*sesv2.Options){fault.SESOption}}, "DELIVERY_RETRY_WINDOW", "12s")
	_, keyA := api.Tenant(t, "Sly SaaS")
	_, keyB := api.Tenant(t, "Honest SaaS")
	sly := map[string]any{"email_templates": map[string]any{"text": `{{if eq .Email "ada@globex.example"}}{{.Link}}{{end}}`}}
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", keyA, sly), http.StatusOK)
	runaway := map[string]any{"email_templates": map[string]any{"html": `{{if ne .Email "x"}}{{range 100000}}{{printf "%0999999d" 1}}{{end}}{{end}}{{.Link}}`}}
	if r := api.Do(t, "PUT", "/v1/settings", keyA, runaway); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "template_forbidden") {
		t.Errorf("the runaway template was not refused on save: %d %s", r.Status, r.Body)
	}

	throttled := uniqueEmail(t, "throttled")
	fault.FailWhile("SendEmail", func(p any) bool {
		in, ok := p.(*sesv2.SendEmailInput)
		return ok && in.Destination != nil && len(in.Destination.ToAddresses) == 1 && in.Destination.ToAddresses[0] == throttled
	}, "TooManyRequestsException")

	pidA := newPartner(t, api, keyA, "Globex")
	slyID := invitation(t, api.Do(t, "POST", "/v1/partners/"+pidA+"/users", keyA, map[string]any{"email": uniqueEmail(t, "victim"), "role": "member"}))["id"].(string)
	throttledID := invitation(t, api.Do(t, "POST", "/v1/partners/"+newPartner(t, api, keyB, "Initech")+"/users", keyB, map[string]any{"email": throttled, "role": "member"}))["id"].(string)

	honest := uniqueEmail(t, "honest")
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+newPartner(t, api, keyB, "Umbrella")+"/users", keyB, map[string]any{"email": honest, "role": "member"}), http.StatusCreated)
	testenv.WaitForMail(t, honest, 1, 30*time.Second)
	// The honest email went out while the failing one was still being
	// retried: it waited behind one back-off at most, never the window.
	if d := api.Do(t, "GET", "/v1/invitations/"+throttledID, keyB, nil).JSON(t)["delivery"].(map[string]any); d["status"] != "queued" {
		t.Errorf("the honest email waited until the failing one ended: %v", d)
	}

	failed := waitForDelivery(t, api, keyA, slyID, "failed")["delivery"].(map[string]any)
	if failed["failure_reason"] != "template_no_link" {
		t.Errorf("the sly template's delivery: %v", failed)
	}
	retried := waitForDelivery(t, api, keyB, throttledID, "failed")["delivery"].(map[string]any)
	if retried["failure_reason"] != "expired_in_queue" || retried["attempts"].(float64) < 2 {
		t.Errorf("the refused email's delivery: %v", retried)
	}
	if !strings.Contains(api.Logs.String(), `"reason":"expired_in_queue"`) {
		t.Error("no log line for the alarm to count")
	}
}

// Send limits: per address per day across invite, revoke and re-invite;
// per tenant per hour; link-only invitations send nothing and count nothing.
func TestSendLimits(t *testing.T) {
	api := testenv.NewAPIWithConsumers(t, nil)
	_, key := api.Tenant(t, "Acme SaaS")
	limits := map[string]any{"send_limits": map[string]any{"emails_per_hour": 4, "emails_per_recipient_per_day": 2}}
	settings := api.Do(t, "PUT", "/v1/settings", key, limits)
	wantStatus(t, settings, http.StatusOK)
	if got := settings.JSON(t)["send_limits"].(map[string]any); got["emails_per_hour"] != float64(4) || got["emails_per_recipient_per_day"] != float64(2) {
		t.Errorf("send_limits saved as %v", got)
	}
	tooHigh := map[string]any{"send_limits": map[string]any{"emails_per_hour": partners.MaxSendLimits.EmailsPerHour + 1}}
	if fields := problemFields(t, api.Do(t, "PUT", "/v1/settings", key, tooHigh)); len(fields) != 1 || fields[0] != "send_limits.emails_per_hour" {
		t.Errorf("a limit over the maximum: fields %v", fields)
	}
	pid := newPartner(t, api, key, "Globex")
	invite := func(email string, send bool) testenv.Response {
		return api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member", "send_email": send})
	}

	// One address: invite, revoke, invite again — then its day is full.
	loop := uniqueEmail(t, "loop")
	for range 2 {
		r := invite(loop, true)
		wantStatus(t, r, http.StatusCreated)
		wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+invitation(t, r)["id"].(string)+"/revoke", key, nil), http.StatusOK)
	}
	over := invite(loop, true)
	wantStatus(t, over, http.StatusTooManyRequests)
	if over.JSON(t)["code"] != "send_limit_recipient" || over.Header.Get("Retry-After") == "" {
		t.Errorf("the third email to one address: %s (Retry-After %q)", over.Body, over.Header.Get("Retry-After"))
	}
	wantStatus(t, invite(loop, false), http.StatusCreated) // a link-only invite sends nothing

	// The tenant's hour: two emails were sent; two more fit, then no more.
	wantStatus(t, invite(uniqueEmail(t, "third"), true), http.StatusCreated)
	wantStatus(t, invite(uniqueEmail(t, "fourth"), true), http.StatusCreated)
	full := invite(uniqueEmail(t, "fifth"), true)
	wantStatus(t, full, http.StatusTooManyRequests)
	if full.JSON(t)["code"] != "send_limit_tenant" || full.Header.Get("Retry-After") == "" {
		t.Errorf("the fifth email of the hour: %s", full.Body)
	}
	wantStatus(t, invite(uniqueEmail(t, "linkonly"), false), http.StatusCreated)
	many := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": []string{uniqueEmail(t, "m1"), uniqueEmail(t, "m2")}, "role": "member"})
	wantStatus(t, many, http.StatusOK)
	if !strings.Contains(string(many.Body), "send_limit_tenant") || many.JSON(t)["summary"].(map[string]any)["errors"] != float64(2) {
		t.Errorf("a list over the tenant's hour: %s", many.Body)
	}
}

// Each tenant has its own request rate: one tenant over it gets 429, and
// another tenant's requests in the same second are not affected.
func TestEachTenantHasItsOwnRate(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	api := testenv.NewAPIWithClock(t, clock, "TENANT_RATE_LIMIT", "3")
	_, keyA := api.Tenant(t, "Busy SaaS")
	_, keyB := api.Tenant(t, "Quiet SaaS")
	statuses := map[int]int{}
	for range 5 {
		r := api.Do(t, "GET", "/v1/partners", keyA, nil)
		statuses[r.Status]++
		if r.Status == http.StatusTooManyRequests && (r.Header.Get("Retry-After") != "1" || r.JSON(t)["code"] != "tenant_rate") {
			t.Errorf("over the rate: %v %s", r.Header, r.Body)
		}
	}
	if statuses[http.StatusOK] != 3 || statuses[http.StatusTooManyRequests] != 2 {
		t.Errorf("five requests in one second at 3/s: %v", statuses)
	}
	wantStatus(t, api.Do(t, "GET", "/v1/partners", keyB, nil), http.StatusOK)
	clock.Advance(time.Second)
	wantStatus(t, api.Do(t, "GET", "/v1/partners", keyA, nil), http.StatusOK)
}

// A request that fails after writing its import's chunks but before the job
// leaves no job that cannot complete and invites no one; the retry imports
// every row once.
func TestAFailedImportStartInvitesNoOne(t *testing.T) {
	fault := testenv.NewFault()
	api := testenv.NewAPIWithOptions(t, app.Options{DynamoDBOptions: []func(*dynamodb.Options){fault.DynamoDBOption}})
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	csv := "email,role\n" + uniqueEmail(t, "a") + ",member\n" + uniqueEmail(t, "b") + ",member\nnot-an-email,member\n"
	failJob := true
	fault.FailWhile("PutItem", func(p any) bool {
		in, ok := p.(*dynamodb.PutItemInput)
		if !ok || !failJob {
			return false
		}
		t, _ := in.Item["type"].(*ddbtypes.AttributeValueMemberS)
		return t != nil && t.Value == "import"
	}, "InternalServerError")
	path := "/v1/partners/" + pid + "/invitations/import?async=true&send_email=false"
	wantStatus(t, api.Do(t, "POST", path, key, csv, "Content-Type", "text/csv"), http.StatusInternalServerError)
	time.Sleep(3 * time.Second) // the worker sees the chunks, and waits for a job that never comes
	if n := invitationCount(t, api, key, pid); n != 0 {
		t.Fatalf("%d invitations after the failed start, want 0", n)
	}

	failJob = false
	r := api.Do(t, "POST", path, key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	job := waitForImport(t, api, key, r.JSON(t)["id"].(string))
	if s := job["summary"].(map[string]any); s["created"] != float64(2) || s["errors"] != float64(1) {
		t.Errorf("the retried import: %v", s)
	}
	if n := invitationCount(t, api, key, pid); n != 2 {
		t.Errorf("%d invitations, want 2", n)
	}
}
