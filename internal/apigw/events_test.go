package apigw_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/eventbus"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// eventsOf waits until the tenant's audit trail (filtered by query) holds
// at least n events, and returns them oldest first.
func eventsOf(t *testing.T, api *testenv.API, key, query string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := api.Do(t, "GET", "/v1/events?limit=100&"+query, key, nil)
		wantStatus(t, r, http.StatusOK)
		data, _ := r.JSON(t)["data"].([]any)
		if len(data) >= n || time.Now().After(deadline) {
			var out []map[string]any
			for i := len(data) - 1; i >= 0; i-- {
				out = append(out, data[i].(map[string]any))
			}
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func typesOf(evs []map[string]any) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e["type"].(string))
	}
	return out
}

// Every state change of an invitation's life is one event of its type, in
// the order it happened, with who did it; nothing else is.
func TestEveryStateChangeIsOneEventInOrder(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")

	// Invited by email, resent, accepted on the page.
	email := uniqueEmail(t, "ada")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "admin", "first_name": "Ada"})
	wantStatus(t, r, http.StatusCreated)
	inv := invitation(t, r)
	invID, userID := inv["id"].(string), inv["user_id"].(string)
	testenv.WaitForMail(t, email, 1, 20*time.Second)
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+invID+"/resend", key, nil), http.StatusOK)
	mails := testenv.WaitForMail(t, email, 2, 20*time.Second)
	token := testenv.ActivationToken(t, mails[len(mails)-1])
	wantStatus(t, submit(t, api, "/activate/"+token, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)

	// A link-only invitation, revoked.
	other := uniqueEmail(t, "grace")
	r = api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": other, "role": "member", "send_email": false})
	wantStatus(t, r, http.StatusCreated)
	revokedID := invitation(t, r)["id"].(string)
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+revokedID+"/revoke", key, nil), http.StatusOK)
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"city": "Berlin"}), http.StatusOK)

	for _, tt := range []struct {
		subject string
		want    []string
	}{
		{invID, []string{"invitation.created", "invitation.sent", "invitation.resent", "invitation.sent", "invitation.accepted"}},
		{userID, []string{"partner_user.invited", "partner_user.activated"}},
		{revokedID, []string{"invitation.created", "invitation.revoked"}},
		{pid, []string{"partner.created", "partner.updated"}},
	} {
		evs := eventsOf(t, api, key, "subject_id="+tt.subject, len(tt.want))
		if got := typesOf(evs); !slices.Equal(got, tt.want) {
			t.Errorf("events of %s: %v, want %v", tt.subject, got, tt.want)
		}
	}
	// Who did what: the key, the invitee, the system.
	all := eventsOf(t, api, key, "", 12)
	for _, e := range all {
		actor := e["actor"].(map[string]any)
		wantActor := "api_key"
		switch e["type"] {
		case "invitation.sent":
			wantActor = "system"
		case "invitation.accepted", "partner_user.activated":
			wantActor = "partner_user"
		}
		if actor["type"] != wantActor || (wantActor == "api_key" && actor["name"] != "default") {
			t.Errorf("%s: actor %v, want a %s", e["type"], actor, wantActor)
		}
		b, _ := json.Marshal(e)
		if raw := string(b); strings.Contains(raw, token) || strings.Contains(raw, "/activate/") || strings.Contains(raw, "token") {
			t.Errorf("%s carries a token or a link: %s", e["type"], raw)
		}
	}
	if len(all) != 12 {
		t.Errorf("%d events in all, want 12: %v", len(all), typesOf(all))
	}
	// The local bus (a log) carried each one.
	if got := strings.Count(api.Logs.String(), `"msg":"`+eventbus.LogMessage+`"`); got != len(all) {
		t.Errorf("%d events on the bus, %d in the trail", got, len(all))
	}
}

func TestTheAuditTrailFiltersAndIsTheTenantsOwn(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantA, keyA := api.Tenant(t, "Acme SaaS")
	_, keyB := api.Tenant(t, "Rival SaaS")
	_, viewer := api.Key(t, tenantA, partners.RoleViewer)
	pid := newPartner(t, api, keyA, "Globex Resellers")
	other := newPartner(t, api, keyA, "Initech")
	eventsOf(t, api, keyA, "", 2)

	if got := typesOf(eventsOf(t, api, viewer, "partner_id="+pid, 1)); !slices.Equal(got, []string{"partner.created"}) {
		t.Errorf("a viewer's filtered trail: %v", got)
	}
	if got := eventsOf(t, api, keyA, "type=partner.updated", 0); len(got) != 0 {
		t.Errorf("type filter: %v", typesOf(got))
	}
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := eventsOf(t, api, keyA, "from="+later, 0); len(got) != 0 {
		t.Errorf("from an hour ahead: %v", typesOf(got))
	}
	for _, q := range []string{"", "partner_id=" + pid, "subject_id=" + other} {
		if got := eventsOf(t, api, keyB, q, 0); len(got) != 0 {
			t.Errorf("another tenant sees %v with %q", typesOf(got), q)
		}
	}
	for _, tt := range []struct{ query, field string }{
		{"type=invitation.exploded", "type"},
		{"partner_id=nope", "partner_id"},
		{"from=yesterday", "from"},
		{"from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"},
		{"limit=1000", "limit"},
	} {
		r := api.Do(t, "GET", "/v1/events?"+tt.query, keyA, nil)
		wantStatus(t, r, http.StatusBadRequest)
		if got := problemFields(t, r); !slices.Equal(got, []string{tt.field}) {
			t.Errorf("%s: fields %v, want %s", tt.query, got, tt.field)
		}
	}
	// Pages follow with the cursor, and a cursor is not another tenant's.
	r := api.Do(t, "GET", "/v1/events?limit=1", keyA, nil)
	cursor, _ := r.JSON(t)["next_cursor"].(string)
	if cursor == "" {
		t.Fatalf("no next_cursor: %s", r.Body)
	}
	wantStatus(t, api.Do(t, "GET", "/v1/events?limit=1&cursor="+url.QueryEscape(cursor), keyA, nil), http.StatusOK)
	wantStatus(t, api.Do(t, "GET", "/v1/events?limit=1&cursor="+url.QueryEscape(cursor), keyB, nil), http.StatusBadRequest)
}
