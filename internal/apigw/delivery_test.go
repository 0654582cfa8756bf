package apigw_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

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
