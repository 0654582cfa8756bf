package apigw_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

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

// The rate count runs beside a request's first work (partners.Admission):
// a write over the rate is refused with 429 and leaves nothing behind —
// neither the data nor the send-limit count it had reserved meanwhile.
func TestARequestOverTheRateWritesNothing(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	api := testenv.NewAPIWithClock(t, clock, "TENANT_RATE_LIMIT", "3")
	_, key := api.Tenant(t, "Hasty SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"send_limits": map[string]any{"emails_per_hour": 1}}), http.StatusOK)
	pid := newPartner(t, api, key, "Globex")
	wantStatus(t, api.Do(t, "GET", "/v1/partners", key, nil), http.StatusOK) // the third request of the second

	email := uniqueEmail(t, "hasty")
	over := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, over, http.StatusTooManyRequests)
	if over.JSON(t)["code"] != "tenant_rate" {
		t.Errorf("an invite over the rate: %s", over.Body)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Initech"}), http.StatusTooManyRequests)

	clock.Advance(time.Second)
	if list := api.Do(t, "GET", "/v1/partners", key, nil); len(list.JSON(t)["data"].([]any)) != 1 {
		t.Errorf("a partner created over the rate was kept: %s", list.Body)
	}
	// The refused invite gave back the hour's one email: this one may go.
	again := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, again, http.StatusCreated)
	if outcome := again.JSON(t)["outcome"]; outcome != "created" {
		t.Errorf("the invite refused over the rate left something behind: outcome %v", outcome)
	}
	// And the limit of one an hour is the one in effect: the next is refused.
	next := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "next"), "role": "member"})
	wantStatus(t, next, http.StatusTooManyRequests)
	if next.JSON(t)["code"] != "send_limit_tenant" {
		t.Errorf("the hour's second email: %s", next.Body)
	}
}
