package apigw_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// activationLink invites someone with send_email false and returns the link
// path and the invitation id.
func activationLink(t *testing.T, api *testenv.API, key, pid, email string) (string, string) {
	t.Helper()
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
		"email": email, "role": "admin", "first_name": "Ada", "last_name": "Lovelace", "send_email": false, "inviter_name": "Grace from Acme",
	})
	wantStatus(t, r, http.StatusCreated)
	inv := invitation(t, r)
	return strings.TrimPrefix(inv["activation_url"].(string), api.URL), inv["id"].(string)
}

func wantPageHeaders(t *testing.T, r testenv.Response) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "'nonce-") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for name, want := range map[string]string{
		"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	nonce := strings.TrimSuffix(strings.SplitN(strings.SplitN(csp, "'nonce-", 2)[1], "'", 2)[0], "'")
	if len(r.Body) > 0 && !strings.Contains(string(r.Body), `<style nonce="`+nonce+`">`) {
		t.Error("the page's style does not carry the CSP nonce")
	}
}

func TestActivationPage(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"branding": map[string]any{"accent_color": "#ff6600", "logo_url": "https://acme.example/logo.png"}}), http.StatusOK)
	pid := newPartner(t, api, key, "Globex Resellers")
	path, id := activationLink(t, api, key, pid, uniqueEmail(t, "ada"))

	r := api.Do(t, "GET", path, "", nil)
	wantStatus(t, r, http.StatusOK)
	wantPageHeaders(t, r)
	page := string(r.Body)
	for _, want := range []string{"Globex Resellers", "Acme SaaS", "Grace from Acme", "admin", `value="Ada"`, `value="Lovelace"`,
		`type="password"`, "At least 12 characters", "#ff6600", "https://acme.example/logo.png", "valid until", "48 hours"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if strings.Contains(page, "http://") && strings.Contains(page, "<script src") {
		t.Error("the page loads a third-party script")
	}

	// Mail scanners: GET and HEAD change nothing.
	for range 10 {
		wantStatus(t, api.Do(t, "GET", path, "", nil), http.StatusOK)
		head := api.Do(t, "HEAD", path, "", nil)
		wantStatus(t, head, http.StatusOK)
		if len(head.Body) != 0 {
			t.Fatal("HEAD answered with a body")
		}
	}
	inv := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t)
	if inv["status"] != "pending" || inv["send_count"] != float64(1) {
		t.Errorf("after GET and HEAD: %v", inv)
	}
	if strings.Contains(api.Logs.String(), strings.TrimPrefix(path, "/activate/")) {
		t.Error("the token is in the logs")
	}
}

func TestDeadLinksSayWhatHappened(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")

	replaced, id := activationLink(t, api, key, pid, uniqueEmail(t, "a"))
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id+"/resend", key, map[string]any{"send_email": false}), http.StatusOK)
	revoked, id2 := activationLink(t, api, key, pid, uniqueEmail(t, "b"))
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+id2+"/revoke", key, nil), http.StatusOK)
	expired, _ := activationLink(t, api, key, pid, uniqueEmail(t, "c"))
	clock.Advance(49 * time.Hour)

	for name, tt := range map[string]struct {
		path   string
		status int
		says   string
	}{
		"replaced": {replaced, http.StatusGone, "replaced by a newer one"},
		"revoked":  {revoked, http.StatusGone, "withdrawn"},
		"expired":  {expired, http.StatusGone, "has expired"},
		"unknown":  {"/activate/" + strings.Repeat("x", 43), http.StatusNotFound, "not valid"},
		"garbage":  {"/activate/short", http.StatusNotFound, "not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			r := api.Do(t, "GET", tt.path, "", nil)
			wantStatus(t, r, tt.status)
			wantPageHeaders(t, r)
			if !strings.Contains(string(r.Body), tt.says) {
				t.Errorf("the page does not say %q:\n%s", tt.says, r.Body)
			}
			if strings.Contains(string(r.Body), `type="password"`) {
				t.Error("a dead link's page offers the password form")
			}
			if renew := strings.Contains(string(r.Body), "Send me a new link"); renew != (name == "expired") {
				t.Errorf("renewal button shown: %v", renew)
			}
			if tt.status == http.StatusNotFound && strings.Contains(string(r.Body), "Acme SaaS") {
				t.Error("an unknown link's page names a tenant")
			}
		})
	}
}
