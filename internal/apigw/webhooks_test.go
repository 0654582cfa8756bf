package apigw_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// newEndpoint adds an endpoint for the receiver and returns its id and secret.
func newEndpoint(t *testing.T, api *testenv.API, key, url string, events ...string) (string, string) {
	t.Helper()
	if len(events) == 0 {
		events = []string{"*"}
	}
	r := api.Do(t, "POST", "/v1/webhook-endpoints", key, map[string]any{"url": url, "events": events, "description": "test"})
	wantStatus(t, r, http.StatusCreated)
	body := r.JSON(t)
	secret, _ := body["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	return body["id"].(string), secret
}

// verify checks a received request's signature with the secret twice: with
// the Standard Webhooks library's verifier, and with the specification's
// few lines written out here (an independent reading of it). It returns
// the event the body holds.
func verify(t *testing.T, got testenv.Received, secret string) map[string]any {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.VerifyIgnoringTimestamp(got.Body, got.Header); err != nil {
		t.Errorf("the library does not verify: %v", err)
	}
	if !verifiedBySpec(got, secret) {
		t.Errorf("no signature of %s is the HMAC of its id, timestamp and body", got.Header.Get("webhook-id"))
	}
	var event map[string]any
	if err := json.Unmarshal(got.Body, &event); err != nil {
		t.Fatalf("body is not JSON: %s", got.Body)
	}
	if event["id"] != got.Header.Get("webhook-id") {
		t.Errorf("webhook-id %s, event id %v", got.Header.Get("webhook-id"), event["id"])
	}
	return event
}

// verifiedBySpec is the specification's check: base64(HMAC-SHA256(key =
// base64-decoded secret after whsec_, "{id}.{timestamp}.{body}")) is one of
// the space-separated "v1,<sig>" of webhook-signature.
func verifiedBySpec(got testenv.Received, secret string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", got.Header.Get("webhook-id"), got.Header.Get("webhook-timestamp"), got.Body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return slices.Contains(strings.Split(got.Header.Get("webhook-signature"), " "), want)
}

func eventTypes(events []map[string]any) []string {
	var out []string
	for _, e := range events {
		out = append(out, e["type"].(string))
	}
	sort.Strings(out)
	return out
}

// deliveries lists an endpoint's deliveries.
func deliveries(t *testing.T, api *testenv.API, key, endpointID string) []map[string]any {
	t.Helper()
	r := api.Do(t, "GET", "/v1/webhook-endpoints/"+endpointID+"/deliveries?limit=100", key, nil)
	wantStatus(t, r, http.StatusOK)
	var out []map[string]any
	for _, d := range r.JSON(t)["data"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

func TestWebhooksCarryEveryEventSigned(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	rcv := testenv.NewReceiver(t)
	endpointID, secret := newEndpoint(t, api, key, rcv.URL)

	// The flows of the invitation and activation tests: a partner with a
	// primary contact (mailed), an update, an invitation accepted through
	// the JSON activation, one resent and then revoked.
	created := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex", "primary_contact": map[string]any{"email": uniqueEmail(t, "contact")}})
	wantStatus(t, created, http.StatusCreated)
	pid := created.JSON(t)["id"].(string)
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"city": "Berlin"}), http.StatusOK)
	path, _ := activationLink(t, api, key, pid, uniqueEmail(t, "ada"))
	wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(path, "/activate/"), "password": goodPassword}), http.StatusOK)
	inv := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "grace"), "role": "member"})
	wantStatus(t, inv, http.StatusCreated)
	invID := invitation(t, inv)["id"].(string)
	waitForDelivery(t, api, key, invID, "sent")
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+invID+"/resend", key, map[string]any{}), http.StatusOK)
	waitForDelivery(t, api, key, invID, "sent")
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+invID+"/revoke", key, nil), http.StatusOK)

	// Every event of the audit trail arrives, once, signed.
	var want []string
	var trail map[string]bool
	waitUntil(t, "the audit trail settles", func() bool {
		list := api.Do(t, "GET", "/v1/events?limit=100", key, nil).JSON(t)["data"].([]any)
		trail = map[string]bool{}
		want = nil
		for _, e := range list {
			e := e.(map[string]any)
			trail[e["id"].(string)] = true
			want = append(want, e["type"].(string))
		}
		return slices.Contains(want, "invitation.revoked") && slices.Contains(want, "partner_user.activated")
	})
	sort.Strings(want)
	got := rcv.WaitFor(t, "every event", func(got []testenv.Received, _ int) bool { return len(got) >= len(want) })
	var events []map[string]any
	seen := map[string]bool{}
	for _, g := range got {
		e := verify(t, g, secret)
		if seen[e["id"].(string)] {
			t.Errorf("event %s arrived twice", e["id"])
		}
		seen[e["id"].(string)] = true
		if !trail[e["id"].(string)] {
			t.Errorf("event %s is not in the audit trail", e["id"])
		}
		events = append(events, e)
	}
	if diff := cmp.Diff(want, eventTypes(events)); diff != "" {
		t.Errorf("types (-audit trail +received):\n%s", diff)
	}
	for _, typ := range []string{"partner.created", "partner.updated", "partner_user.invited", "partner_user.activated", "invitation.created",
		"invitation.sent", "invitation.resent", "invitation.accepted", "invitation.revoked"} {
		if !slices.Contains(want, typ) {
			t.Errorf("no %s event arrived", typ)
		}
	}
	// The sender records an attempt after the receiver has answered it, so
	// the last deliveries may still be in flight when the receiver has
	// every event (a busy machine showed one at attempts 0): wait for every
	// delivery to leave pending before judging them.
	var ds []map[string]any
	waitUntil(t, "every delivery is recorded", func() bool {
		ds = deliveries(t, api, key, endpointID)
		for _, d := range ds {
			if d["status"] == "pending" {
				return false
			}
		}
		return true
	})
	for _, d := range ds {
		if d["status"] != "succeeded" || d["response_code"] != float64(200) || d["attempts"] != float64(1) {
			t.Errorf("delivery %v", d)
		}
	}
}

// waitUntil polls cond for up to a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWebhookEndpointsBelongToOneTenantAndItsAdmins(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantA, keyA := api.Tenant(t, "Tenant A")
	_, keyB := api.Tenant(t, "Tenant B")
	rcv := testenv.NewReceiver(t)
	id, _ := newEndpoint(t, api, keyA, rcv.URL)
	newPartner(t, api, keyA, "Globex")
	var deliveryID string
	waitUntil(t, "a delivery", func() bool {
		ds := deliveries(t, api, keyA, id)
		if len(ds) > 0 {
			deliveryID = ds[0]["id"].(string)
		}
		return deliveryID != ""
	})
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/webhook-endpoints/" + id},
		{"PATCH", "/v1/webhook-endpoints/" + id},
		{"DELETE", "/v1/webhook-endpoints/" + id},
		{"POST", "/v1/webhook-endpoints/" + id + "/rotate-secret"},
		{"GET", "/v1/webhook-endpoints/" + id + "/deliveries"},
		{"POST", "/v1/webhook-endpoints/" + id + "/deliveries/" + deliveryID + "/retry"},
	} {
		t.Run("another tenant "+r.method+" "+r.path, func(t *testing.T) {
			var body any
			if r.method == "PATCH" {
				body = map[string]any{"url": "https://evil.example/"}
			}
			wantStatus(t, api.Do(t, r.method, r.path, keyB, body), http.StatusNotFound)
		})
	}
	if list := api.Do(t, "GET", "/v1/webhook-endpoints", keyB, nil).JSON(t)["data"].([]any); len(list) != 0 {
		t.Errorf("tenant B lists %v", list)
	}
	_, viewer := api.Key(t, tenantA, "viewer")
	_, manager := api.Key(t, tenantA, "manager")
	for name, k := range map[string]string{"viewer": viewer, "manager": manager} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, api.Do(t, "POST", "/v1/webhook-endpoints", k, map[string]any{"url": rcv.URL, "events": []string{"*"}}), http.StatusForbidden)
			wantStatus(t, api.Do(t, "PATCH", "/v1/webhook-endpoints/"+id, k, map[string]any{"disabled": true}), http.StatusForbidden)
			wantStatus(t, api.Do(t, "POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", k, nil), http.StatusForbidden)
			wantStatus(t, api.Do(t, "POST", "/v1/webhook-endpoints/"+id+"/deliveries/"+deliveryID+"/retry", k, nil), http.StatusForbidden)
			wantStatus(t, api.Do(t, "DELETE", "/v1/webhook-endpoints/"+id, k, nil), http.StatusForbidden)
			got := api.Do(t, "GET", "/v1/webhook-endpoints/"+id, k, nil)
			wantStatus(t, got, http.StatusOK)
			if _, ok := got.JSON(t)["secret"]; ok || strings.Contains(string(got.Body), "whsec_") {
				t.Errorf("a read shows a secret: %s", got.Body)
			}
			wantStatus(t, api.Do(t, "GET", "/v1/webhook-endpoints/"+id+"/deliveries", k, nil), http.StatusOK)
		})
	}
	if strings.Contains(api.Logs.String(), "whsec_") {
		t.Error("a secret is in the logs")
	}
}

func TestWebhookEndpointsRefuseBadInput(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	rcv := testenv.NewReceiver(t)
	for _, c := range []struct {
		name string
		body map[string]any
		want []string // the fields named
		code string   // the first field's code
	}{
		{"http to the internet", map[string]any{"url": "http://example.com/hook", "events": []string{"*"}}, []string{"url"}, "https_required"},
		{"private 10/8", map[string]any{"url": "https://10.1.2.3/hook", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"private 192.168/16", map[string]any{"url": "https://192.168.0.10/hook", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"private 172.16/12", map[string]any{"url": "https://172.20.0.1/hook", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"metadata", map[string]any{"url": "https://169.254.169.254/latest/meta-data", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"metadata over IPv6", map[string]any{"url": "https://[fd00:ec2::254]/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"link-local", map[string]any{"url": "https://169.254.10.1/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"unique-local", map[string]any{"url": "https://[fc00::1]/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"CGNAT", map[string]any{"url": "https://100.64.0.1/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"multicast", map[string]any{"url": "https://224.0.0.1/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"unspecified", map[string]any{"url": "https://0.0.0.0/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"IPv4-mapped private", map[string]any{"url": "https://[::ffff:10.0.0.1]/", "events": []string{"*"}}, []string{"url"}, "forbidden_address"},
		{"credentials in the URL", map[string]any{"url": "https://user:pw@hooks.example/", "events": []string{"*"}}, []string{"url"}, "invalid_url"},
		{"not a URL", map[string]any{"url": "hooks", "events": []string{"*"}}, []string{"url"}, "invalid_url"},
		{"no url", map[string]any{"events": []string{"*"}}, []string{"url"}, "required"},
		{"unknown type", map[string]any{"url": rcv.URL, "events": []string{"invitation.nope"}}, []string{"events[0]"}, "invalid_choice"},
		{"no types", map[string]any{"url": rcv.URL, "events": []string{}}, []string{"events"}, "required"},
		{"* with others", map[string]any{"url": rcv.URL, "events": []string{"partner.created", "*"}}, []string{"events[1]"}, "invalid_choice"},
		{"everything wrong", map[string]any{"url": "https://10.0.0.1/", "events": []string{"x"}, "description": strings.Repeat("d", 501)}, []string{"description", "events[0]", "url"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := api.Do(t, "POST", "/v1/webhook-endpoints", key, c.body)
			wantStatus(t, r, http.StatusBadRequest)
			if diff := cmp.Diff(c.want, problemFields(t, r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if c.code != "" {
				if code := r.JSON(t)["errors"].([]any)[0].(map[string]any)["code"]; code != c.code {
					t.Errorf("code %v, want %s", code, c.code)
				}
			}
		})
	}
	// An update is checked the same way.
	id, _ := newEndpoint(t, api, key, rcv.URL)
	r := api.Do(t, "PATCH", "/v1/webhook-endpoints/"+id, key, map[string]any{"url": "https://127.0.0.1.nip.invalid/"})
	wantStatus(t, r, http.StatusBadRequest)
	r = api.Do(t, "PATCH", "/v1/webhook-endpoints/"+id, key, map[string]any{"url": "https://192.168.1.1/"})
	wantStatus(t, r, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"url"}, problemFields(t, r)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got := api.Do(t, "GET", "/v1/webhook-endpoints/"+id, key, nil).JSON(t)["url"]; got != rcv.URL {
		t.Errorf("url became %v", got)
	}
}

// settle advances the clock in steps and, after each, waits for the
// sender's schedule to have taken every due delivery of the endpoint (none
// is pending with its next attempt at or before the clock), until done
// holds of the deliveries.
func settle(t *testing.T, api *testenv.API, clock *testenv.Clock, key, endpointID string, step time.Duration, maxSteps int, done func([]map[string]any) bool) []map[string]any {
	t.Helper()
	for i := 0; ; i++ {
		var ds []map[string]any
		waitUntil(t, "the due deliveries to be attempted", func() bool {
			ds = deliveries(t, api, key, endpointID)
			for _, d := range ds {
				if d["status"] != "pending" {
					continue
				}
				next, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(d["next_attempt_at"]))
				if !next.After(clock.Now()) {
					return false
				}
			}
			return len(ds) > 0
		})
		if done(ds) {
			return ds
		}
		if i == maxSteps {
			t.Fatalf("after %d steps of %s: %v", maxSteps, step, ds)
		}
		clock.Advance(step)
	}
}

func TestWebhooksSurviveAnOutage(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	rcv := testenv.NewReceiver(t)
	rcv.Answer(http.StatusInternalServerError)
	endpointID, secret := newEndpoint(t, api, key, rcv.URL, "partner.created", "partner.updated")
	pid := newPartner(t, api, key, "Globex")
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"city": "Berlin"}), http.StatusOK)

	// Down: three attempts of each, minutes apart, all answered 500.
	settle(t, api, clock, key, endpointID, 10*time.Minute, 50, func(ds []map[string]any) bool {
		for _, d := range ds {
			if d["attempts"].(float64) < 3 {
				return false
			}
		}
		return len(ds) == 2
	})
	// Back: everything arrives at its next attempt.
	rcv.Answer(http.StatusOK)
	ds := settle(t, api, clock, key, endpointID, time.Hour, 20, func(ds []map[string]any) bool {
		for _, d := range ds {
			if d["status"] != "succeeded" {
				return false
			}
		}
		return true
	})
	for _, d := range ds {
		history := d["attempt_history"].([]any)
		if len(history) < 4 {
			t.Fatalf("history %v", history)
		}
		for i, a := range history {
			want := float64(500)
			if i == len(history)-1 {
				want = 200
			}
			if a.(map[string]any)["response_code"] != want {
				t.Errorf("attempt %d of %s: %v", i, d["event_type"], a)
			}
		}
	}
	// Every attempt of one event carried its id, and each was signed at its
	// own time (the webhook-timestamp of the attempt).
	byID := map[string][]string{}
	for _, g := range rcv.Got() {
		verify(t, g, secret)
		byID[g.Header.Get("webhook-id")] = append(byID[g.Header.Get("webhook-id")], g.Header.Get("webhook-timestamp"))
	}
	if len(byID) != 2 {
		t.Errorf("%d event ids, want 2", len(byID))
	}
	for id, stamps := range byID {
		if !slices.IsSorted(stamps) || stamps[0] == stamps[len(stamps)-1] {
			t.Errorf("timestamps of %s: %v", id, stamps)
		}
	}
}

func TestWebhooksGiveUpAfterThreeDaysAndAnEndpointFailingFiveIsDisabled(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	down := testenv.NewReceiver(t)
	down.Answer(http.StatusServiceUnavailable)
	watcher := testenv.NewReceiver(t)
	downID, _ := newEndpoint(t, api, key, down.URL, "partner.created", "partner.updated")
	_, watcherSecret := newEndpoint(t, api, key, watcher.URL, "webhook_endpoint.disabled")
	start := clock.Now()
	pid := newPartner(t, api, key, "Globex")

	// The first event is retried for three days, then failed.
	ds := settle(t, api, clock, key, downID, 3*time.Hour, 40, func(ds []map[string]any) bool { return ds[0]["status"] == "failed" })
	if d := ds[0]; d["next_attempt_at"] != nil || d["attempts"].(float64) < 10 {
		t.Errorf("failed delivery %v", d)
	}
	if last := clock.Now(); last.Sub(start) < 69*time.Hour || last.Sub(start) > 75*time.Hour {
		t.Errorf("failed after %s, want about 72h", last.Sub(start))
	}
	ep := api.Do(t, "GET", "/v1/webhook-endpoints/"+downID, key, nil).JSON(t)
	if ep["disabled"] != false || ep["failing_since"] == nil {
		t.Fatalf("after 3 days: %v", ep)
	}
	// A second event keeps it failing past five days: it is disabled, and
	// says so as an event of the tenant, delivered to its other endpoint.
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"city": "Berlin"}), http.StatusOK)
	settle(t, api, clock, key, downID, 3*time.Hour, 40, func([]map[string]any) bool {
		return api.Do(t, "GET", "/v1/webhook-endpoints/"+downID, key, nil).JSON(t)["disabled"] == true
	})
	if since := clock.Now().Sub(start); since < 5*24*time.Hour {
		t.Errorf("disabled after %s", since)
	}
	ep = api.Do(t, "GET", "/v1/webhook-endpoints/"+downID, key, nil).JSON(t)
	if ep["disabled_reason"] != "failing" {
		t.Errorf("endpoint %v", ep)
	}
	got := watcher.WaitFor(t, "webhook_endpoint.disabled", func(got []testenv.Received, _ int) bool { return len(got) > 0 })
	e := verify(t, got[0], watcherSecret)
	if e["type"] != "webhook_endpoint.disabled" || e["subject"].(map[string]any)["id"] != downID || e["actor"].(map[string]any)["type"] != "system" {
		t.Errorf("event %v", e)
	}
	if data := e["data"].(map[string]any); data["disabled"] != true || strings.Contains(string(got[0].Body), "sealed") {
		t.Errorf("data %v", data)
	}
	trail := api.Do(t, "GET", "/v1/events?type=webhook_endpoint.disabled", key, nil).JSON(t)["data"].([]any)
	if len(trail) != 1 || trail[0].(map[string]any)["id"] != e["id"] {
		t.Errorf("audit trail %v", trail)
	}

	// Re-enabled and answering, a failed delivery retried on demand arrives.
	down.Answer(http.StatusOK)
	wantStatus(t, api.Do(t, "PATCH", "/v1/webhook-endpoints/"+downID, key, map[string]any{"disabled": false}), http.StatusOK)
	var failed string
	for _, d := range deliveries(t, api, key, downID) {
		if d["status"] == "failed" {
			failed = d["id"].(string)
		}
	}
	retry := api.Do(t, "POST", "/v1/webhook-endpoints/"+downID+"/deliveries/"+failed+"/retry", key, nil)
	wantStatus(t, retry, http.StatusAccepted)
	waitUntil(t, "the retried delivery", func() bool {
		for _, d := range deliveries(t, api, key, downID) {
			if d["id"] == failed {
				return d["status"] == "succeeded"
			}
		}
		return false
	})
}

func TestRotatedSecretsOverlapForADay(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	rcv := testenv.NewReceiver(t)
	id, old := newEndpoint(t, api, key, rcv.URL, "partner.created")
	rotated := api.Do(t, "POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", key, nil)
	wantStatus(t, rotated, http.StatusOK)
	current := rotated.JSON(t)["secret"].(string)
	if current == old || rotated.JSON(t)["previous_secret_expires_at"] == nil {
		t.Fatalf("rotation: %s", rotated.Body)
	}
	signedBy := func(g testenv.Received) (byOld, byNew bool) {
		return verifiedBySpec(g, old), verifiedBySpec(g, current)
	}

	newPartner(t, api, key, "Within the day")
	got := rcv.WaitFor(t, "the first event", func(got []testenv.Received, _ int) bool { return len(got) == 1 })
	if byOld, byNew := signedBy(got[0]); !byOld || !byNew {
		t.Errorf("within the day: by the old secret %v, by the new %v; %s", byOld, byNew, got[0].Header.Get("webhook-signature"))
	}
	verify(t, got[0], current)
	if n := len(strings.Fields(got[0].Header.Get("webhook-signature"))); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}

	clock.Advance(24*time.Hour + time.Minute)
	newPartner(t, api, key, "A day later")
	got = rcv.WaitFor(t, "the second event", func(got []testenv.Received, _ int) bool { return len(got) == 2 })
	if byOld, byNew := signedBy(got[1]); byOld || !byNew {
		t.Errorf("after the day: by the old secret %v, by the new %v", byOld, byNew)
	}
	if ep := api.Do(t, "GET", "/v1/webhook-endpoints/"+id, key, nil).JSON(t); ep["previous_secret_expires_at"] != nil {
		t.Errorf("endpoint %v", ep)
	}
}

func TestASlowEndpointHoldsNoOtherTenant(t *testing.T) {
	api := testenv.NewAPI(t)
	_, keyA := api.Tenant(t, "Tenant A")
	_, keyB := api.Tenant(t, "Tenant B")
	slow := testenv.NewReceiver(t)
	slow.Hang()
	fast := testenv.NewReceiver(t)
	newEndpoint(t, api, keyA, slow.URL, "partner.created")
	newEndpoint(t, api, keyB, fast.URL, "partner.created")

	// A's event first: its attempt is in flight, held by the receiver...
	newPartner(t, api, keyA, "A's partner")
	slow.WaitFor(t, "A's attempt to be held", func(_ []testenv.Received, held int) bool { return held == 1 })
	// ...while B's event, after it, arrives.
	newPartner(t, api, keyB, "B's partner")
	fast.WaitFor(t, "B's delivery", func(got []testenv.Received, _ int) bool { return len(got) == 1 })
	if held := slow.Held(); held != 1 {
		t.Errorf("A's attempt ended (%d held) before B's arrived", held)
	}
	slow.Release()
	slow.WaitFor(t, "A's delivery", func(got []testenv.Received, _ int) bool { return len(got) == 1 })
}
