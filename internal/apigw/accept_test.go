package apigw_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/partners"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

const goodPassword = "Correct-Horse-42"

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// submit opens the page of a link and posts its form with these fields.
func submit(t *testing.T, api *testenv.API, path string, fields url.Values) testenv.Response {
	t.Helper()
	page := api.Do(t, "GET", path, "", nil)
	m := csrfRE.FindStringSubmatch(string(page.Body))
	if m == nil {
		t.Fatalf("no form on the page (%d):\n%s", page.Status, page.Body)
	}
	fields.Set("csrf", m[1])
	return api.Do(t, "POST", path, "", fields.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// signIn signs in as the tenant's portal would: through the tenant's own
// pool and app client, as GET /v1/identity names them.
func signIn(t *testing.T, api *testenv.API, key, email, password string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	id := api.Do(t, "GET", "/v1/identity", key, nil)
	wantStatus(t, id, http.StatusOK)
	return api.Cognito().InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(id.JSON(t)["client_id"].(string)), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
}

// signsIn reports whether the password signs the email in at the tenant.
func signsIn(t *testing.T, api *testenv.API, key, email, password string) bool {
	t.Helper()
	out, err := signIn(t, api, key, email, password)
	return err == nil && out.AuthenticationResult != nil && aws.ToString(out.AuthenticationResult.IdToken) != ""
}

func TestAcceptWithANewLogin(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"portal_url": "https://partners.acme.example"}), http.StatusOK)
	pid := newPartner(t, api, key, "Globex Resellers")
	email := uniqueEmail(t, "ada")
	path, id := activationLink(t, api, key, pid, email)

	for _, tt := range []struct {
		fields url.Values
		says   string
	}{
		{url.Values{"password": {"short"}, "password_confirm": {"short"}}, "The password needs at least 12 characters, an upper-case letter (A–Z), a digit."},
		{url.Values{"password": {goodPassword}, "password_confirm": {goodPassword + "x"}}, "The two passwords are not the same."},
	} {
		r := submit(t, api, path, tt.fields)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.Body), tt.says) {
			t.Errorf("the page does not say %q:\n%s", tt.says, r.Body)
		}
	}
	bad := api.Do(t, "POST", path, "", url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}, "csrf": {"forged"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, bad, http.StatusForbidden)

	r := submit(t, api, path, url.Values{"first_name": {"Ada"}, "last_name": {"King"}, "password": {goodPassword}, "password_confirm": {goodPassword}})
	wantStatus(t, r, http.StatusOK)
	wantPageHeaders(t, r)
	if !strings.Contains(string(r.Body), "You joined Globex Resellers") || !strings.Contains(string(r.Body), "https://partners.acme.example") {
		t.Errorf("success page:\n%s", r.Body)
	}
	if !signsIn(t, api, key, email, goodPassword) {
		t.Fatal("the new login does not sign in at its tenant")
	}
	if u := adminGetUser(t, api, tenantID, email); attr(u, "email_verified") != "false" {
		t.Errorf("a link-only acceptance made a login with email_verified %q", attr(u, "email_verified"))
	}
	inv := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t)
	if inv["status"] != "accepted" || inv["accepted_at"] == nil {
		t.Errorf("invitation after acceptance: %v", inv)
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)
	if u := users[0].(map[string]any); u["status"] != "active" || u["last_name"] != "King" {
		t.Errorf("user after acceptance: %v", u)
	}
	again := api.Do(t, "GET", path, "", nil)
	wantStatus(t, again, http.StatusGone)
	if !strings.Contains(string(again.Body), "already accepted") {
		t.Errorf("a used link's page:\n%s", again.Body)
	}
	counts := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)["counts"].(map[string]any)["users"].(map[string]any)
	if counts["active"] != float64(1) || counts["invited"] != float64(0) {
		t.Errorf("counts after acceptance: %v", counts)
	}
	// Inviting an active user is a conflict.
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "member"}), http.StatusConflict)
}

func TestTwoSubmitsAtOnceMakeOneLogin(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "twice")
	path, _ := activationLink(t, api, key, pid, email)
	page := api.Do(t, "GET", path, "", nil)
	csrf := csrfRE.FindStringSubmatch(string(page.Body))[1]
	form := url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}, "csrf": {csrf}}.Encode()

	statuses := make([]int, 2)
	bodies := make([]string, 2)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := api.Do(t, "POST", path, "", form, "Content-Type", "application/x-www-form-urlencoded")
			statuses[i], bodies[i] = r.Status, string(r.Body)
		}()
	}
	wg.Wait()
	ok, gone := 0, 0
	for i, s := range statuses {
		switch {
		case s == http.StatusOK:
			ok++
		case s == http.StatusGone && strings.Contains(bodies[i], "already accepted"):
			gone++
		default:
			t.Errorf("submit %d: %d\n%s", i, s, bodies[i])
		}
	}
	if ok != 1 || gone != 1 {
		t.Errorf("%d successes and %d 'already accepted', want 1 and 1", ok, gone)
	}
	if n := loginCount(t, api, tenantID); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

// loginCount is how many logins a tenant's pool holds.
func loginCount(t *testing.T, api *testenv.API, tenantID string) int {
	t.Helper()
	users, err := api.Cognito().ListUsers(context.Background(), &cip.ListUsersInput{UserPoolId: aws.String(api.Pool(t, tenantID).ID)})
	if err != nil {
		t.Fatal(err)
	}
	return len(users.Users)
}

// makeLogin makes a finished login in a tenant's pool, as an earlier
// acceptance would have, and returns its sub.
func makeLogin(t *testing.T, api *testenv.API, tenantID, email, password string) string {
	t.Helper()
	pool := api.Pool(t, tenantID)
	email = partners.NormalizeEmail(email)
	l, err := api.App.Service.Logins.Create(t.Context(), pool, partners.NewLogin{Email: email, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.App.Service.Logins.SetPassword(t.Context(), pool, email, password); err != nil {
		t.Fatal(err)
	}
	return l.Sub
}

func adminGetUser(t *testing.T, api *testenv.API, tenantID, email string) *cip.AdminGetUserOutput {
	t.Helper()
	u, err := api.Cognito().AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String(api.Pool(t, tenantID).ID), Username: aws.String(email)})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func attr(u *cip.AdminGetUserOutput, name string) string {
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func TestActivationsAsJSON(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "json")
	path, id := activationLink(t, api, key, pid, email)
	token := strings.TrimPrefix(path, "/activate/")

	huge := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": strings.Repeat("Aa1", 100)})
	wantStatus(t, huge, http.StatusBadRequest)
	weak := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": "weak"})
	wantStatus(t, weak, http.StatusBadRequest)
	if fields := problemFields(t, weak); len(fields) != 1 || fields[0] != "password" {
		t.Errorf("fields %v", fields)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.Repeat("x", 43), "password": goodPassword}), http.StatusNotFound)

	// A login made by an attempt whose write failed: the retry converges on it.
	sub := makeLogin(t, api, tenantID, email, goodPassword)
	r := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword, "first_name": "Ada"})
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	if body["invitation_id"] != id || body["partner_id"] != pid || body["sub"] != sub || body["new_login"] != false {
		t.Errorf("activation: %v", body)
	}
	pool := api.Pool(t, tenantID)
	wantLogin := map[string]any{"user_pool_id": pool.ID, "client_id": pool.ClientID, "username": strings.ToLower(email), "issuer": pool.Issuer}
	if diff := cmp.Diff(wantLogin, body["login"]); diff != "" {
		t.Errorf("login (-want +got):\n%s", diff)
	}
	ms := api.Do(t, "GET", "/v1/memberships/"+sub, key, nil)
	wantStatus(t, ms, http.StatusOK)
	if diff := cmp.Diff(wantLogin, ms.JSON(t)["login"]); diff != "" {
		t.Errorf("memberships' login (-want +got):\n%s", diff)
	}
	again := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword})
	wantStatus(t, again, http.StatusGone)
	if again.JSON(t)["reason"] != "accepted" {
		t.Errorf("second activation: %s", again.Body)
	}
}

func TestExpiredLinkAsksForANewOne(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "late")
	path, id := activationLink(t, api, key, pid, email)
	clock.Advance(49 * time.Hour)

	renew := func() testenv.Response {
		page := api.Do(t, "GET", path, "", nil)
		wantStatus(t, page, http.StatusGone)
		m := regexp.MustCompile(`<form method="post" action="([^"]+)"><input type="hidden" name="csrf" value="([^"]+)">`).FindStringSubmatch(string(page.Body))
		if m == nil {
			t.Fatalf("no renewal button on the expired page:\n%s", page.Body)
		}
		target, _ := url.Parse(api.URL + path)
		action, _ := target.Parse(m[1])
		return api.Do(t, "POST", action.Path, "", url.Values{"csrf": {m[2]}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	}
	// Without self-service renewal the request is recorded for the tenant.
	r := renew()
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "can see that you asked") {
		t.Errorf("renewal page:\n%s", r.Body)
	}
	if inv := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t); inv["renewal_requested_at"] == nil || inv["status"] != "expired" {
		t.Errorf("invitation after the request: %v", inv)
	}
	wantStatus(t, renew(), http.StatusTooManyRequests)

	// With it, a new link is mailed to the same address.
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"self_service_renewal": true}), http.StatusOK)
	clock.Advance(11 * time.Minute)
	r = renew()
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "A new link is on its way") {
		t.Errorf("renewal page:\n%s", r.Body)
	}
	mail := testenv.WaitForMail(t, email, 1, 10*time.Second)[0]
	fresh := testenv.ActivationToken(t, mail)
	if got := goneReason(t, api, fresh); got != "live" {
		t.Errorf("the renewed link is %s", got)
	}
	if got := goneReason(t, api, strings.TrimPrefix(path, "/activate/")); got != "replaced" {
		t.Errorf("the old link is %s", got)
	}
	forged := api.Do(t, "POST", path+"/renew", "", "csrf=forged", "Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, forged, http.StatusForbidden)
}
