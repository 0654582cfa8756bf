package apigw_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// After the expiry schedule has marked an invitation expired, it can still
// be resent (and its new link works), and the tenant heard of each step.
func TestAnInvitationTheScheduleExpiredCanBeResent(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	_, id := activationLink(t, api, key, pid, uniqueEmail(t, "ada"))

	clock.Advance(49 * time.Hour)
	report, err := api.App.Expiry().Handle(context.Background(), nil)
	if err != nil || report.Expired != 1 {
		t.Fatalf("expiry run: %+v, %v; want 1 expired", report, err)
	}
	if got := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t)["status"]; got != "expired" {
		t.Fatalf("status %v after the run", got)
	}
	r := api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, map[string]any{"send_email": false})
	wantStatus(t, r, http.StatusOK)
	link := r.JSON(t)["activation_url"].(string)
	wantStatus(t, api.Do(t, "GET", strings.TrimPrefix(link, api.URL), "", nil), http.StatusOK)
	if got := typesOf(eventsOf(t, api, key, "subject_id="+id, 3)); strings.Join(got, " ") != "invitation.created invitation.expired invitation.resent" {
		t.Errorf("events: %v", got)
	}
}
