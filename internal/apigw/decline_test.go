package apigw_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// "This isn't for me": the email and the page link to a page with a
// button; opening it changes nothing; the button declines, the link dies,
// the tenant hears of it, and the person can be invited again.
func TestTheInviteeCanDecline(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	email := uniqueEmail(t, "ada")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, r, http.StatusCreated)
	invID := invitation(t, r)["id"].(string)
	mail := testenv.WaitForMail(t, email, 1, 20*time.Second)[0]
	token := testenv.ActivationToken(t, mail)
	decline := "/activate/" + token + "/decline"
	for part, body := range map[string]string{"text": mail.Body.Text, "html": mail.Body.HTML} {
		if !strings.Contains(body, api.URL+decline) {
			t.Errorf("the %s email does not offer %s", part, decline)
		}
	}
	if page := api.Do(t, "GET", "/activate/"+token, "", nil); !strings.Contains(string(page.Body), `href="`+token+`/decline"`) {
		t.Errorf("the activation page does not offer to decline:\n%s", page.Body)
	}
	status := func() string {
		t.Helper()
		r := api.Do(t, "GET", "/v1/invitations/"+invID, key, nil)
		wantStatus(t, r, http.StatusOK)
		return r.JSON(t)["status"].(string)
	}

	// A scanner opens the page, twice and by HEAD: nothing changes.
	for _, method := range []string{"GET", "HEAD", "GET"} {
		wantStatus(t, api.Do(t, method, decline, "", nil), http.StatusOK)
	}
	wantStatus(t, api.Do(t, "POST", decline, "", url.Values{"csrf": {"forged"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded"), http.StatusForbidden)
	if got := status(); got != "pending" {
		t.Fatalf("after the page and a forged post: %s, want pending", got)
	}

	page := api.Do(t, "GET", decline, "", nil)
	m := csrfRE.FindStringSubmatch(string(page.Body))
	if m == nil || !strings.Contains(string(page.Body), `action="decline"`) {
		t.Fatalf("no decline form on the page:\n%s", page.Body)
	}
	done := api.Do(t, "POST", decline, "", url.Values{"csrf": {m[1]}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, done, http.StatusOK)
	if !strings.Contains(string(done.Body), "You declined the invitation") {
		t.Errorf("declined page:\n%s", done.Body)
	}
	if got := status(); got != "declined" {
		t.Errorf("after the decline: %s", got)
	}
	// The link is dead everywhere: the page, the JSON accept, the decline.
	dead := api.Do(t, "GET", "/activate/"+token, "", nil)
	wantStatus(t, dead, http.StatusGone)
	if !strings.Contains(string(dead.Body), "This invitation was declined") {
		t.Errorf("dead page:\n%s", dead.Body)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword}), http.StatusGone)
	wantStatus(t, api.Do(t, "POST", decline, "", url.Values{"csrf": {m[1]}}.Encode(), "Content-Type", "application/x-www-form-urlencoded"), http.StatusGone)

	listed := api.Do(t, "GET", "/v1/invitations?status=declined", key, nil)
	if data := listed.JSON(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["declined_at"] == nil {
		t.Errorf("declined listing: %s", listed.Body)
	}
	evs := eventsOf(t, api, key, "subject_id="+invID, 3)
	if got := typesOf(evs); !slices.Equal(got, []string{"invitation.created", "invitation.sent", "invitation.declined"}) {
		t.Errorf("events: %v", got)
	} else if actor := evs[2]["actor"].(map[string]any); actor["type"] != "partner_user" || actor["name"] != email {
		t.Errorf("declined by %v", actor)
	}
	if strings.Contains(api.Logs.String(), token) {
		t.Error("a log line holds the token")
	}
	// Declining is not a block: the tenant may invite the person again.
	again := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member", "send_email": false})
	wantStatus(t, again, http.StatusCreated)
}
