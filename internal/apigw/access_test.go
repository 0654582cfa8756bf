package apigw_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/partnerinvites/partnerinvites/internal/tokenclaims"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// activeUser invites email into the partner and accepts on the page: the
// user's id and its login's sub.
func activeUser(t *testing.T, api *testenv.API, tenantID, key, pid, email string) (userID, sub string) {
	t.Helper()
	path, inv := activationLink(t, api, key, pid, email)
	wantStatus(t, submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)
	userID = api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["user_id"].(string)
	return userID, attr(adminGetUser(t, api, tenantID, email), "sub")
}

// membershipOf is the login's one membership in the tenant, or the status
// that says it has none.
func membershipOf(t *testing.T, api *testenv.API, key, sub string) (int, map[string]any) {
	t.Helper()
	r := api.Do(t, "GET", "/v1/memberships/"+sub, key, nil)
	if r.Status != http.StatusOK {
		return r.Status, nil
	}
	return r.Status, r.JSON(t)["data"].([]any)[0].(map[string]any)
}

func typesOfEvents(t *testing.T, api *testenv.API, key, query string, n int) []string {
	t.Helper()
	var out []string
	for _, e := range eventsOf(t, api, key, query, n) {
		out = append(out, e["type"].(string))
	}
	return out
}

func TestPortalAccessTurnsOffAndOn(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	_, viewer := api.Key(t, tenantID, "viewer")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "ada")
	api.RouteTokenTrigger(t, tenantID) // sign-ins get this stack's token claims
	uid, sub := activeUser(t, api, tenantID, key, pid, email)
	path := "/v1/partners/" + pid + "/users/" + uid

	wantStatus(t, api.Do(t, "PATCH", path, viewer, map[string]any{"portal_access": false}), http.StatusForbidden)
	wantStatus(t, api.Do(t, "PATCH", path, otherKey, map[string]any{"portal_access": false}), http.StatusNotFound)
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid+"/users/usr_01JD0000000000000000000001", key, map[string]any{"portal_access": false}), http.StatusNotFound)
	bad := api.Do(t, "PATCH", path, key, map[string]any{"role": "owner"})
	wantStatus(t, bad, http.StatusBadRequest)
	if got := problemFields(t, bad); len(got) != 1 || got[0] != "role" {
		t.Errorf("a bad role names %v", got)
	}

	off := api.Do(t, "PATCH", path, key, map[string]any{"portal_access": false, "role": "member"})
	wantStatus(t, off, http.StatusOK)
	if u := off.JSON(t); u["status"] != "disabled" || u["portal_access"] != false || u["role"] != "member" {
		t.Fatalf("after access off the user is %v", u)
	}
	if _, m := membershipOf(t, api, key, sub); m["status"] != "disabled" || m["role"] != "member" {
		t.Errorf("after access off the membership is %v", m)
	}
	if u := adminGetUser(t, api, tenantID, email); u.Enabled {
		t.Error("after access off the login is still enabled")
	}
	if signsIn(t, api, key, email, goodPassword) {
		t.Error("after access off the login still gets tokens")
	}
	// Again: nothing changes, and it still answers.
	wantStatus(t, api.Do(t, "PATCH", path, key, map[string]any{"portal_access": false}), http.StatusOK)

	on := api.Do(t, "PATCH", path, key, map[string]any{"portal_access": true})
	wantStatus(t, on, http.StatusOK)
	if u := on.JSON(t); u["status"] != "active" || u["portal_access"] != true {
		t.Fatalf("after access on the user is %v", u)
	}
	if _, m := membershipOf(t, api, key, sub); m["status"] != "active" {
		t.Errorf("after access on the membership is %v", m)
	}
	if u := adminGetUser(t, api, tenantID, email); !u.Enabled {
		t.Error("after access on the login is still disabled")
	}
	if !signsIn(t, api, key, email, goodPassword) {
		t.Error("after access on the login does not sign in")
	}
	types := typesOfEvents(t, api, key, "subject_id="+uid, 4)
	if !contains(types, "partner_user.disabled") || !contains(types, "partner_user.enabled") {
		t.Errorf("events of the user %v lack partner_user.disabled or .enabled", types)
	}

	// An invited user's access cannot be turned off: their invitation is revoked instead.
	_, inv := activationLink(t, api, key, pid, uniqueEmail(t, "bob"))
	bob := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["user_id"].(string)
	r := api.Do(t, "PATCH", "/v1/partners/"+pid+"/users/"+bob, key, map[string]any{"portal_access": false})
	wantStatus(t, r, http.StatusConflict)
	if r.JSON(t)["code"] != "user_invited" {
		t.Errorf("code = %v, want user_invited", r.JSON(t)["code"])
	}
	// Their role can change, and the invitation's with it.
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid+"/users/"+bob, key, map[string]any{"role": "member"}), http.StatusOK)
	if got := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["role"]; got != "member" {
		t.Errorf("the invited user's invitation has role %v, want member", got)
	}
}

func TestARemovedUserFreesTheEmail(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	a, b := newPartner(t, api, key, "Globex"), newPartner(t, api, key, "Initech")
	email := uniqueEmail(t, "ada")
	api.RouteTokenTrigger(t, tenantID)
	uid, sub := activeUser(t, api, tenantID, key, a, email)

	wantStatus(t, api.Do(t, "DELETE", "/v1/partners/"+a+"/users/"+uid, otherKey, nil), http.StatusNotFound)
	r := api.Do(t, "DELETE", "/v1/partners/"+a+"/users/"+uid, key, nil)
	wantStatus(t, r, http.StatusOK)
	if r.JSON(t)["status"] != "removed" {
		t.Fatalf("a removed user is %v", r.JSON(t)["status"])
	}
	wantStatus(t, api.Do(t, "DELETE", "/v1/partners/"+a+"/users/"+uid, key, nil), http.StatusNotFound)
	if st, _ := membershipOf(t, api, key, sub); st != http.StatusNotFound {
		t.Errorf("the removed user's login still has a membership (%d)", st)
	}
	if u := adminGetUser(t, api, tenantID, email); u.Enabled {
		t.Error("the removed user's login is still enabled")
	}
	if n := len(api.Do(t, "GET", "/v1/partners/"+a+"/users", key, nil).JSON(t)["data"].([]any)); n != 0 {
		t.Errorf("the partner lists %d users after the removal, want 0", n)
	}
	if n := len(api.Do(t, "GET", "/v1/partners/"+a+"/users?status=removed", key, nil).JSON(t)["data"].([]any)); n != 1 {
		t.Errorf("status=removed lists %d users, want 1", n)
	}
	if types := typesOfEvents(t, api, key, "type=partner_user.removed", 1); len(types) != 1 {
		t.Errorf("partner_user.removed events: %v", types)
	}

	if signsIn(t, api, key, email, goodPassword) {
		t.Error("the removed user's login still gets tokens")
	}

	// The email is free: another partner invites it, and the person joins
	// it with the login (and password) they had.
	again, _ := activationLink(t, api, key, b, email)
	page := api.Do(t, "GET", again, "", nil)
	if !strings.Contains(string(page.Body), "You already have a login") {
		t.Fatalf("the new invitation's page does not ask for the existing login's password:\n%s", page.Body)
	}
	wantStatus(t, submit(t, api, again, url.Values{"password": {goodPassword}}), http.StatusOK)
	if !signsIn(t, api, key, email, goodPassword) {
		t.Error("the person re-invited to another partner cannot sign in")
	}
	if _, m := membershipOf(t, api, key, sub); m["partner_id"] != b {
		t.Errorf("the re-invited login's membership is %v, want one in %s", m, b)
	}

	// Removing an invited user kills their link.
	path, inv := activationLink(t, api, key, a, uniqueEmail(t, "bob"))
	bob := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["user_id"].(string)
	wantStatus(t, api.Do(t, "DELETE", "/v1/partners/"+a+"/users/"+bob, key, nil), http.StatusOK)
	if got := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["status"]; got != "revoked" {
		t.Errorf("the removed invitee's invitation is %v, want revoked", got)
	}
	wantStatus(t, api.Do(t, "GET", path, "", nil), http.StatusGone)
}

func TestAMovedUserTakesItsLoginToTheOtherPartner(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	a, b := newPartner(t, api, key, "Globex"), newPartner(t, api, key, "Initech")
	foreign := newPartner(t, api, otherKey, "Elsewhere")
	email := uniqueEmail(t, "ada")
	api.RouteTokenTrigger(t, tenantID)
	api.RouteTokenTrigger(t, tenantID)
	uid, sub := activeUser(t, api, tenantID, key, a, email)
	move := "/v1/partners/" + a + "/users/" + uid + "/move"

	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"partner_id": a}, "partner_id"},
		{map[string]any{"partner_id": foreign}, "partner_id"}, // another tenant's partner is no partner here
		{map[string]any{}, "partner_id"},
	} {
		r := api.Do(t, "POST", move, key, bad.body)
		wantStatus(t, r, http.StatusBadRequest)
		if got := problemFields(t, r); len(got) != 1 || got[0] != bad.field {
			t.Errorf("move %v names %v", bad.body, got)
		}
	}
	closed := newPartner(t, api, key, "Closed")
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+closed, key, map[string]any{"status": "inactive"}), http.StatusOK)
	if r := api.Do(t, "POST", move, key, map[string]any{"partner_id": closed}); r.Status != http.StatusConflict || r.JSON(t)["code"] != "partner_inactive" {
		t.Errorf("a move into an inactive partner: %d %s", r.Status, r.Body)
	}

	r := api.Do(t, "POST", move, key, map[string]any{"partner_id": b})
	wantStatus(t, r, http.StatusOK)
	if u := r.JSON(t); u["partner_id"] != b || u["moved_from"] != a || u["status"] != "active" {
		t.Fatalf("the moved user is %v", u)
	}
	if _, m := membershipOf(t, api, key, sub); m["partner_id"] != b {
		t.Errorf("the login's membership is in %v, want %s", m["partner_id"], b)
	}
	if n := len(api.Do(t, "GET", "/v1/partners/"+a+"/users", key, nil).JSON(t)["data"].([]any)); n != 0 {
		t.Errorf("the old partner still lists %d users", n)
	}
	// The email now belongs to the new partner.
	dup := api.Do(t, "POST", "/v1/partners/"+a+"/users", key, map[string]any{"email": email, "role": "member"})
	wantStatus(t, dup, http.StatusConflict)
	if got := dup.JSON(t)["partner"].(map[string]any)["id"]; got != b {
		t.Errorf("the email is claimed by %v, want %s", got, b)
	}
	// Signing in, the login's token names the new partner.
	out, err := signIn(t, api, key, email, goodPassword)
	if err != nil {
		t.Fatalf("the moved user cannot sign in: %v", err)
	}
	pool := api.Pool(t, tenantID)
	claims, err := testenv.VerifyIDToken(aws.ToString(out.AuthenticationResult.IdToken), api.App.Getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")+"/"+pool.ID+"/.well-known/jwks.json", pool.Issuer, pool.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := tokenclaims.ParseClaim(claims.PartnerAccess)
	if err != nil || len(claim.Memberships) != 1 || claim.Memberships[0].PartnerID != b || claim.Memberships[0].UserID != uid {
		t.Errorf("the moved user's claim is %+v (%v), want one membership in %s", claim, err, b)
	}
	if types := typesOfEvents(t, api, key, "type=partner_user.moved", 1); len(types) != 1 {
		t.Errorf("partner_user.moved events: %v", types)
	}

	// An invited user moves with their link: accepting it joins the new partner.
	path, inv := activationLink(t, api, key, a, uniqueEmail(t, "bob"))
	bob := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t)["user_id"].(string)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+a+"/users/"+bob+"/move", key, map[string]any{"partner_id": b}), http.StatusOK)
	wantStatus(t, submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)
	if got := api.Do(t, "GET", "/v1/invitations/"+inv, key, nil).JSON(t); got["partner_id"] != b || got["status"] != "accepted" {
		t.Errorf("the moved invitation is %v/%v, want accepted in %s", got["partner_id"], got["status"], b)
	}
}

func TestAPartnerWithoutAccessInvitesNobodyUntilGranted(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "contact")
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex", "portal_access": false, "primary_contact": map[string]any{"email": email}})
	wantStatus(t, r, http.StatusCreated)
	pid := r.JSON(t)["id"].(string)
	if p := r.JSON(t); p["portal_access"] != false || p["primary_contact_invitation"] != nil || p["primary_admin_user_id"] != nil {
		t.Fatalf("a partner created without access: %s", r.Body)
	}
	inv := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "bob"), "role": "member"})
	wantStatus(t, inv, http.StatusConflict)
	if inv.JSON(t)["code"] != "portal_access_off" {
		t.Errorf("an invite into a partner without access: code %v", inv.JSON(t)["code"])
	}

	// Granting access invites the primary contact, by email.
	g := api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"portal_access": true})
	wantStatus(t, g, http.StatusOK)
	body := g.JSON(t)
	contactInv, ok := body["primary_contact_invitation"].(map[string]any)
	if !ok || body["portal_access"] != true || body["primary_admin_user_id"] != contactInv["user_id"] {
		t.Fatalf("granting access: %s", g.Body)
	}
	mail := testenv.WaitForMail(t, email, 1, 30*time.Second)
	link := "/activate/" + testenv.ActivationToken(t, mail[0])
	// Granting again invites nobody twice.
	again := api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"portal_access": true})
	wantStatus(t, again, http.StatusOK)
	if again.JSON(t)["primary_contact_invitation"] != nil {
		t.Error("granting access twice invited the contact again")
	}

	// Taking it away closes the partner's links.
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"portal_access": false}), http.StatusOK)
	page := api.Do(t, "GET", link, "", nil)
	wantStatus(t, page, http.StatusGone)
	if !strings.Contains(string(page.Body), "is not open") {
		t.Errorf("the closed partner's link page says:\n%s", page.Body)
	}
}
