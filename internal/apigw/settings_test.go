package apigw_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

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
