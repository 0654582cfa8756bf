package apigw_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// Tenant B's partner Bob activates at B. Tenant A invites the same address
// and opens the link itself: nothing A sees or does depends on Bob's login
// at B, and A's login and B's are two logins that never open each other.
func TestLoginsBelongToOneTenant(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantA, keyA := api.Tenant(t, "Acme SaaS")
	tenantB, keyB := api.Tenant(t, "Initech SaaS")
	email := uniqueEmail(t, "bob")
	const passwordB, passwordA = "Bobs-Own-Secret-1", "Acme-Chosen-Pass-2"

	pathB, _ := activationLink(t, api, keyB, newPartner(t, api, keyB, "Umbrella"), email)
	wantStatus(t, submit(t, api, pathB, url.Values{"password": {passwordB}, "password_confirm": {passwordB}}), http.StatusOK)

	pathA, idA := activationLink(t, api, keyA, newPartner(t, api, keyA, "Globex"), email)
	page := api.Do(t, "GET", pathA, "", nil)
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(string(page.Body), "already have a login") || !strings.Contains(string(page.Body), `name="password_confirm"`) {
		t.Fatalf("A's page is not the new-login form:\n%s", page.Body)
	}
	if strings.Contains(string(page.Body), "Initech") {
		t.Error("A's page names tenant B")
	}
	// B's password is just a password at A: it would make a new login
	// there, and proves nothing about B. A chooses its own.
	r := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(pathA, "/activate/"), "password": passwordA})
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	if body["new_login"] != true || body["invitation_id"] != idA {
		t.Errorf("A's acceptance: %s", r.Body)
	}
	poolA, poolB := api.Pool(t, tenantA), api.Pool(t, tenantB)
	if poolA.ID == poolB.ID || poolA.ClientID == poolB.ClientID || poolA.Issuer == poolB.Issuer {
		t.Fatalf("tenants share a pool: %+v %+v", poolA, poolB)
	}
	if login := body["login"].(map[string]any); login["user_pool_id"] != poolA.ID || login["issuer"] != poolA.Issuer {
		t.Errorf("A's acceptance names login %v, want pool %s", login, poolA.ID)
	}

	for _, c := range []struct {
		key, password string
		want          bool
	}{
		{keyB, passwordB, true},
		{keyA, passwordA, true},
		{keyB, passwordA, false},
		{keyA, passwordB, false},
	} {
		if got := signsIn(t, api, c.key, email, c.password); got != c.want {
			t.Errorf("sign-in with %q at %s = %v, want %v", c.password, map[string]string{keyA: "A", keyB: "B"}[c.key], got, c.want)
		}
	}
	subA, subB := body["sub"].(string), attr(adminGetUser(t, api, tenantB, email), "sub")
	if subA == subB {
		t.Fatal("the two logins have one sub")
	}
	wantStatus(t, api.Do(t, "GET", "/v1/memberships/"+subB, keyA, nil), http.StatusNotFound)
	wantStatus(t, api.Do(t, "GET", "/v1/memberships/"+subA, keyB, nil), http.StatusNotFound)
	wantStatus(t, api.Do(t, "GET", "/v1/memberships/"+subA, keyA, nil), http.StatusOK)
}

// The existing-login path (a login already in the tenant's pool) allows
// five wrong passwords per login per 15 minutes; then even the right one
// waits for the window to pass.
func TestWrongPasswordsHaveACeiling(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "grace")
	makeLogin(t, api, tenantID, email, goodPassword)
	path, id := activationLink(t, api, key, newPartner(t, api, key, "Globex"), email)
	token := strings.TrimPrefix(path, "/activate/")
	if page := api.Do(t, "GET", path, "", nil); !strings.Contains(string(page.Body), "You already have a login") {
		t.Fatalf("the page does not ask for the existing login's password:\n%s", page.Body)
	}

	for i := 1; i <= 5; i++ {
		r := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": "Wrong-Password-" + strconv.Itoa(i)})
		wantStatus(t, r, http.StatusBadRequest)
		if r.JSON(t)["errors"].([]any)[0].(map[string]any)["code"] != "wrong_password" {
			t.Errorf("wrong password %d: %s", i, r.Body)
		}
	}
	sixth := submit(t, api, path, url.Values{"password": {"Wrong-Password-6"}})
	wantStatus(t, sixth, http.StatusTooManyRequests)
	if ra, _ := strconv.Atoi(sixth.Header.Get("Retry-After")); ra < 14*60 || ra > 15*60+1 {
		t.Errorf("the page's Retry-After = %q, want about 15 minutes", sixth.Header.Get("Retry-After"))
	}
	if !strings.Contains(string(sixth.Body), "Too many wrong passwords") {
		t.Errorf("the page after six wrong passwords:\n%s", sixth.Body)
	}
	right := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword})
	wantStatus(t, right, http.StatusTooManyRequests)
	if right.Header.Get("Retry-After") == "" || right.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("the right password inside the window: %v %s", right.Header, right.Body)
	}
	if st := api.Do(t, "GET", "/v1/invitations/"+id, key, nil).JSON(t)["status"]; st != "pending" {
		t.Errorf("invitation is %v after refused passwords", st)
	}

	clock.Advance(15*time.Minute + time.Second)
	wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword}), http.StatusOK)
}

// A login is made with two Cognito calls. When the second fails, the same
// link finishes the job: one login, never a second, never a 500 for a
// password Cognito refuses.
func TestAHalfMadeLoginConverges(t *testing.T) {
	fault := testenv.NewFault()
	api := testenv.NewAPIWithOptions(t, app.Options{CognitoOptions: []func(*cip.Options){fault.Option}})
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "half")
	path, _ := activationLink(t, api, key, newPartner(t, api, key, "Globex"), email)
	form := url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}

	fault.FailNext("AdminSetUserPassword", "ThrottlingException")
	r := submit(t, api, path, form)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if !strings.Contains(string(r.Body), "Please try again") || !strings.Contains(string(r.Body), `name="password"`) {
		t.Errorf("the page after a failed login:\n%s", r.Body)
	}
	if n := loginCount(t, api, tenantID); n != 1 {
		t.Fatalf("%d logins after the half-made attempt, want 1", n)
	}
	// The half-made login has no password anyone knows: the page offers the
	// new-login form again, not a sign-in.
	if page := api.Do(t, "GET", path, "", nil); strings.Contains(string(page.Body), "already have a login") {
		t.Errorf("the page treats the half-made login as finished:\n%s", page.Body)
	}

	fault.FailNext("AdminSetUserPassword", "InvalidPasswordException")
	refused := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(path, "/activate/"), "password": goodPassword})
	wantStatus(t, refused, http.StatusBadRequest)
	if fields := problemFields(t, refused); len(fields) != 1 || fields[0] != "password" {
		t.Errorf("a refused password names %v", fields)
	}

	wantStatus(t, submit(t, api, path, form), http.StatusOK)
	if n := loginCount(t, api, tenantID); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	if !signsIn(t, api, key, email, goodPassword) {
		t.Error("the finished login does not sign in")
	}
	// One login for three attempts: each attempt makes the login first
	// (most invitees have none), and the two after the half-made one are
	// told it exists and finish it.
	if n := fault.Calls("AdminCreateUser"); n != 3 {
		t.Errorf("AdminCreateUser called %d times, want once per attempt (3)", n)
	}
}

// email_verified is true only with proof of the mailbox: our email, or the
// tenant vouching for a link-only invite.
func TestEmailVerifiedOnlyWithProof(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	accept := func(token string) {
		t.Helper()
		wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword}), http.StatusOK)
	}

	linkOnly := uniqueEmail(t, "link")
	path, _ := activationLink(t, api, key, pid, linkOnly)
	accept(strings.TrimPrefix(path, "/activate/"))

	vouched := uniqueEmail(t, "vouched")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": vouched, "role": "member", "send_email": false, "email_verified": true})
	wantStatus(t, r, http.StatusCreated)
	accept(strings.TrimPrefix(invitation(t, r)["activation_url"].(string), api.URL+"/activate/"))

	mailed := uniqueEmail(t, "mailed")
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": mailed, "role": "member"}), http.StatusCreated)
	accept(testenv.ActivationToken(t, testenv.WaitForMail(t, mailed, 1, 10*time.Second)[0]))

	for email, want := range map[string]string{linkOnly: "false", vouched: "true", mailed: "true"} {
		if got := attr(adminGetUser(t, api, tenantID, email), "email_verified"); got != want {
			t.Errorf("%s: email_verified %q, want %q", email, got, want)
		}
	}
}

func TestIdentityNamesTheTenantsOwnPool(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, _ := api.Tenant(t, "Acme SaaS")
	_, viewer := api.Key(t, tenantID, "viewer")
	r := api.Do(t, "GET", "/v1/identity", viewer, nil)
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	pool := api.Pool(t, tenantID)
	if body["user_pool_id"] != pool.ID || body["client_id"] != pool.ClientID || body["issuer"] != pool.Issuer ||
		body["jwks_url"] != pool.Issuer+"/.well-known/jwks.json" {
		t.Errorf("identity %v, want pool %+v", body, pool)
	}
	jwks, err := http.Get(body["jwks_url"].(string))
	if err != nil || jwks.StatusCode != http.StatusOK {
		t.Errorf("the JWKS URL does not answer: %v %v", err, jwks)
	}
	if jwks != nil {
		jwks.Body.Close()
	}
	wantStatus(t, api.Do(t, "GET", "/v1/identity", "", nil), http.StatusUnauthorized)
}
