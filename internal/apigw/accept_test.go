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

// signIn checks a login with the app client, as the partner portal would.
func signIn(t *testing.T, api *testenv.API, email, password string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	return cip.NewFromConfig(api.App.AWS).InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(api.Pool.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
}

func TestAcceptWithANewLogin(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"portal_url": "https://partners.acme.example"}), http.StatusOK)
	pid := newPartner(t, api, key, "Globex Resellers")
	email := uniqueEmail(t, "ada")
	path, id := activationLink(t, api, key, pid, email)

	for _, tt := range []struct {
		fields url.Values
		says   string
	}{
		{url.Values{"password": {"short"}, "password_confirm": {"short"}}, "The password needs at least 12 characters, an upper-case letter, a digit."},
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
	out, err := signIn(t, api, email, goodPassword)
	if err != nil || out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.IdToken) == "" {
		t.Fatalf("sign-in with the new login: %v", err)
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
	_, key := api.Tenant(t, "Acme SaaS")
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
	users, err := cip.NewFromConfig(api.App.AWS).ListUsers(context.Background(), &cip.ListUsersInput{UserPoolId: aws.String(api.Pool.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 1 {
		t.Errorf("%d logins, want 1", len(users.Users))
	}
}

func TestOneLoginManyMemberships(t *testing.T) {
	api := testenv.NewAPI(t)
	_, keyA := api.Tenant(t, "Acme SaaS")
	_, keyB := api.Tenant(t, "Initech SaaS")
	email := uniqueEmail(t, "grace")
	pathA, _ := activationLink(t, api, keyA, newPartner(t, api, keyA, "Globex"), email)
	pathB, idB := activationLink(t, api, keyB, newPartner(t, api, keyB, "Umbrella"), email)

	wantStatus(t, submit(t, api, pathA, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)

	// The second invitation finds the login: the page asks for its password.
	page := api.Do(t, "GET", pathB, "", nil)
	if !strings.Contains(string(page.Body), "You already have a login") || strings.Contains(string(page.Body), `name="password_confirm"`) {
		t.Fatalf("the page does not offer to sign in:\n%s", page.Body)
	}
	wrong := submit(t, api, pathB, url.Values{"password": {"Wrong-Password-1"}})
	wantStatus(t, wrong, http.StatusBadRequest)
	if !strings.Contains(string(wrong.Body), "not the password of your login") {
		t.Errorf("wrong password page:\n%s", wrong.Body)
	}
	if st := api.Do(t, "GET", "/v1/invitations/"+idB, keyB, nil).JSON(t)["status"]; st != "pending" {
		t.Errorf("a wrong password changed the invitation: %v", st)
	}
	wantStatus(t, submit(t, api, pathB, url.Values{"password": {goodPassword}}), http.StatusOK)

	out, err := signIn(t, api, email, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	sub := subOf(t, api, email)
	_ = out
	for key, partner := range map[string]string{keyA: "Globex", keyB: "Umbrella"} {
		r := api.Do(t, "GET", "/v1/memberships/"+sub, key, nil)
		wantStatus(t, r, http.StatusOK)
		data := r.JSON(t)["data"].([]any)
		if len(data) != 1 {
			t.Errorf("%s sees %d memberships, want its own 1", partner, len(data))
		}
	}
	wantStatus(t, api.Do(t, "GET", "/v1/memberships/no-such-sub", keyA, nil), http.StatusNotFound)
}

func subOf(t *testing.T, api *testenv.API, email string) string {
	t.Helper()
	u, err := cip.NewFromConfig(api.App.AWS).AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String(api.Pool.ID), Username: aws.String(email)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	t.Fatal("no sub")
	return ""
}

func TestActivationsAsJSON(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
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
	if _, err := api.App.Service.Logins.Create(t.Context(), email, goodPassword, "", ""); err != nil {
		t.Fatal(err)
	}
	r := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword, "first_name": "Ada"})
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	if body["invitation_id"] != id || body["partner_id"] != pid || body["sub"] != subOf(t, api, email) || body["new_login"] != false {
		t.Errorf("activation: %v", body)
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
