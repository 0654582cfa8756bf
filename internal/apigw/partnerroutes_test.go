package apigw_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// partnerLogin invites a person into a partner with a role, accepts, signs
// in at the tenant's pool and returns the ID token and the user's id.
func partnerLogin(t *testing.T, api *testenv.API, key, pid, role string) (idToken, userID, sub string) {
	t.Helper()
	email := uniqueEmail(t, role)
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": role, "send_email": false})
	wantStatus(t, r, http.StatusCreated)
	token := strings.TrimPrefix(invitation(t, r)["activation_url"].(string), api.URL+"/activate/")
	acc := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": token, "password": goodPassword})
	wantStatus(t, acc, http.StatusOK)
	out, err := signIn(t, api, key, email, goodPassword)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), acc.JSON(t)["user_id"].(string), acc.JSON(t)["sub"].(string)
}

func TestPartnerAdminsManageTheirOwnPartnerOnly(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	api := testenv.NewAPIWithOptionsAndConsumers(t, app.Options{Clock: clock}, []string{apigw.PublishEventsFunction})
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	own := newPartner(t, api, key, "Globex")
	other := newPartner(t, api, key, "Initech")
	admin, adminID, _ := partnerLogin(t, api, key, own, "admin")
	member, _, memberSub := partnerLogin(t, api, key, own, "member")

	otherInv := invitation(t, api.Do(t, "POST", "/v1/partners/"+other+"/users", key, map[string]any{"email": uniqueEmail(t, "other"), "role": "member", "send_email": false}))["id"].(string)
	foreignPartner := newPartner(t, api, otherKey, "Umbrella")
	foreignInv := invitation(t, api.Do(t, "POST", "/v1/partners/"+foreignPartner+"/users", otherKey, map[string]any{"email": uniqueEmail(t, "foreign"), "role": "member", "send_email": false}))["id"].(string)

	// The admin invites into its own partner.
	invited := api.Do(t, "POST", "/v1/partner/users", admin, map[string]any{"email": uniqueEmail(t, "new"), "role": "member", "send_email": false})
	wantStatus(t, invited, http.StatusCreated)
	inv := invitation(t, invited)
	if inv["partner_id"] != own {
		t.Errorf("invited into %v, want %s", inv["partner_id"], own)
	}
	// What is shared with the partner is the tenant's to say.
	withGrants := api.Do(t, "POST", "/v1/partner/users", admin, map[string]any{"email": uniqueEmail(t, "g"), "role": "member",
		"grants": []any{map[string]any{"resource_type": "dashboard", "resource_id": "d", "permission": "edit"}}})
	wantStatus(t, withGrants, http.StatusBadRequest)

	// Another partner's or tenant's invitation is not found.
	for _, id := range []string{otherInv, foreignInv} {
		for _, action := range []string{"resend", "revoke"} {
			wantStatus(t, api.Do(t, "POST", "/v1/partner/invitations/"+id+"/"+action, admin, nil), http.StatusNotFound)
		}
	}
	list := api.Do(t, "GET", "/v1/partner/invitations?limit=100&partner_id="+other, admin, nil)
	wantStatus(t, list, http.StatusOK)
	for _, d := range list.JSON(t)["data"].([]any) {
		if p := d.(map[string]any)["partner_id"]; p != own {
			t.Errorf("the admin sees an invitation of %v", p)
		}
	}
	users := api.Do(t, "GET", "/v1/partner/users", member, nil)
	wantStatus(t, users, http.StatusOK)
	if n := len(users.JSON(t)["data"].([]any)); n != 3 {
		t.Errorf("%d users listed, want the partner's 3", n)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partner/invitations/"+inv["id"].(string)+"/revoke", admin, nil), http.StatusOK)

	// A member may only read.
	wantStatus(t, api.Do(t, "POST", "/v1/partner/users", member, map[string]any{"email": uniqueEmail(t, "m"), "role": "member"}), http.StatusForbidden)
	wantStatus(t, api.Do(t, "POST", "/v1/partner/invitations/"+inv["id"].(string)+"/resend", member, nil), http.StatusForbidden)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/invitations", member, nil), http.StatusOK)

	// The tenant's trail names the partner admin as the actor.
	found := false
	for _, ev := range eventsOf(t, api, key, "type=invitation.revoked&partner_id="+own, 1) {
		a := ev["actor"].(map[string]any)
		found = found || (a["type"] == "partner_user" && a["id"] == adminID)
	}
	if !found {
		t.Error("no invitation.revoked with the partner admin as actor")
	}
	created := eventsOf(t, api, key, "type=invitation.created&subject_id="+inv["id"].(string), 1)
	if len(created) != 1 || created[0]["actor"].(map[string]any)["id"] != adminID {
		t.Errorf("invitation.created events %v, want the partner admin as actor", created)
	}

	// Membership read live: disabled in the store, the token no longer works.
	disableMembership(t, api, partners.Membership{Sub: memberSub, TenantID: tenantID, PartnerID: own})
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", member, nil), http.StatusForbidden)

	// Tokens refused: none, forged, wrong audience, a pool that is no
	// tenant's, an API key, expired.
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", "", nil), http.StatusUnauthorized)
	parts := strings.Split(admin, ".")
	sig := []byte(parts[2])
	sig[10] ^= 1
	forged := parts[0] + "." + parts[1] + "." + string(sig)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", forged, nil), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", key, nil), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", wrongAudienceToken(t, api, tenantID), nil), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", strangerPoolToken(t, api), nil), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", admin, nil), http.StatusOK)
	clock.Advance(25 * time.Hour) // cognito-local's ID tokens last 24 h
	wantStatus(t, api.Do(t, "GET", "/v1/partner/users", admin, nil), http.StatusUnauthorized)
}

// wrongAudienceToken is a real ID token of the tenant's pool, issued to
// another app client of that pool.
func wrongAudienceToken(t *testing.T, api *testenv.API, tenantID string) string {
	t.Helper()
	ctx := context.Background()
	pool := api.Pool(t, tenantID)
	c := api.Cognito()
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(pool.ID), ClientName: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	return poolUserToken(t, c, pool.ID, aws.ToString(client.UserPoolClient.ClientId))
}

// strangerPoolToken is a real ID token of a pool that is no tenant's.
func strangerPoolToken(t *testing.T, api *testenv.API) string {
	t.Helper()
	ctx := context.Background()
	c := api.Cognito()
	p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(api.App.Config.TableName + "-stranger")})
	if err != nil {
		t.Fatal(err)
	}
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("portal")})
	if err != nil {
		t.Fatal(err)
	}
	return poolUserToken(t, c, aws.ToString(p.UserPool.Id), aws.ToString(client.UserPoolClient.ClientId))
}

func poolUserToken(t *testing.T, c *cip.Client, poolID, clientID string) string {
	t.Helper()
	ctx := context.Background()
	email := uniqueEmail(t, "stranger")
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(email), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String(email), Password: aws.String(goodPassword), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": goodPassword}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.AuthenticationResult.IdToken)
}
