package apigw_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
	"github.com/partnerinvites/partnerinvites/internal/tokenclaims"
)

// maxIDTokenBytes is the ID token's size docs/api.md promises for a login
// whose partner holds the largest grants allowed.
const maxIDTokenBytes = 8192

// largestGrants are the most grants a partner may hold, each value at its
// longest (docs/api.md: 32 grants; 32, 64 and 32 characters).
func largestGrants() []map[string]any {
	var gs []map[string]any
	for i := 0; i < partners.MaxGrants; i++ {
		gs = append(gs, map[string]any{
			"resource_type": strings.Repeat("t", 32),
			"resource_id":   fmt.Sprintf("%s%02d", strings.Repeat("r", 62), i),
			"permission":    strings.Repeat("p", 32),
		})
	}
	return gs
}

// invokeTrigger runs issue-token-claims through the gateway's Lambda
// Invoke API, as cognito-local (through the relay) and Cognito call it.
func invokeTrigger(t *testing.T, api *testenv.API, event []byte) (status int, fnErr string, out map[string]any) {
	t.Helper()
	resp, err := http.Post(api.URL+"/2015-03-31/functions/"+apigw.IssueTokenClaimsFunction+"/invocations", "application/json", strings.NewReader(string(event)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), out
}

// putMembership writes a membership as the accept does, for the sample
// event's login (whose sub no emulator makes).
func putMembership(t *testing.T, api *testenv.API, m partners.Membership) {
	t.Helper()
	item, err := attributevalue.MarshalMap(map[string]any{
		"PK": "SUB#" + m.Sub, "SK": "T#" + m.TenantID + "#P#" + m.PartnerID, "type": "membership",
		"sub": m.Sub, "tenant_id": m.TenantID, "partner_id": m.PartnerID, "user_id": m.UserID, "email": m.Email,
		"role": m.Role, "created_at": m.CreatedAt,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.App.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(api.App.Config.TableName), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func TestTheTriggerOnTheSampleEventReturnsMembershipAndGrants(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	grants := []map[string]any{
		{"resource_type": "dashboard", "resource_id": "dash-42", "permission": "view"},
		{"resource_type": "process", "resource_id": "onboarding/eu", "permission": "edit"},
	}
	wantStatus(t, api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{"grants": grants}), http.StatusOK)

	event, err := os.ReadFile("../../events/issue-token-claims.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample struct {
		UserPoolID string `json:"userPoolId"`
		Request    struct {
			UserAttributes map[string]string `json:"userAttributes"`
		} `json:"request"`
	}
	if err := json.Unmarshal(event, &sample); err != nil {
		t.Fatal(err)
	}
	// The sample's pool is this tenant's; its login is a member of the partner.
	if err := api.App.Store.PutPoolEntry(context.Background(), partners.Tenant{ID: tenantID, Pool: partners.LoginPool{ID: sample.UserPoolID}}); err != nil {
		t.Fatal(err)
	}
	sub := sample.Request.UserAttributes["sub"]
	putMembership(t, api, partners.Membership{Sub: sub, TenantID: tenantID, PartnerID: pid, UserID: "usr_01JD0000000000000000000001", Email: "ada@acme.example", Role: "admin"})

	status, fnErr, out := invokeTrigger(t, api, event)
	if status != http.StatusOK || fnErr != "" {
		t.Fatalf("trigger: %d %q %v", status, fnErr, out)
	}
	added := out["response"].(map[string]any)["claimsOverrideDetails"].(map[string]any)["claimsToAddOrOverride"].(map[string]any)
	claim, err := tokenclaims.ParseClaim(added[tokenclaims.ClaimName].(string))
	if err != nil {
		t.Fatal(err)
	}
	want := tokenclaims.Claim{Version: 1, TenantID: tenantID, Memberships: []tokenclaims.Membership{{
		PartnerID: pid, UserID: "usr_01JD0000000000000000000001", Role: "admin",
		Grants: [][3]string{{"dashboard", "dash-42", "view"}, {"process", "onboarding/eu", "edit"}},
	}}}
	if diff := cmp.Diff(want, claim); diff != "" {
		t.Errorf("claim (-want +got):\n%s", diff)
	}

	// The same event for a login that is no member, or of a pool that is
	// no tenant's: an error, so Cognito issues no tokens.
	for name, ev := range map[string]string{
		"no membership": strings.ReplaceAll(string(event), sub, "00000000-0000-4000-8000-000000000000"),
		"unknown pool":  strings.ReplaceAll(string(event), sample.UserPoolID, "us-east-1_NOTOURS"),
	} {
		if _, fnErr, out := invokeTrigger(t, api, []byte(ev)); fnErr == "" {
			t.Errorf("%s: tokens allowed: %v", name, out)
		}
	}
}

// TestASignInCarriesMembershipAndGrants signs in for real on cognito-local
// after a real invite and acceptance, verifies the ID token against the
// pool's JWKS, and reads the claim; a login with no active membership
// (disabled, or its partner inactive) gets no tokens at all.
func TestASignInCarriesMembershipAndGrants(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	api.RouteTokenTrigger(t, tenantID)
	pid := newPartner(t, api, key, "Globex")
	wantStatus(t, api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{"grants": largestGrants()}), http.StatusOK)
	email := uniqueEmail(t, "claims")
	path, _ := activationLink(t, api, key, pid, email)
	acc := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(path, "/activate/"), "password": goodPassword})
	wantStatus(t, acc, http.StatusOK)
	activation := acc.JSON(t)
	sub, userID := activation["sub"].(string), activation["user_id"].(string)

	out, err := signIn(t, api, key, email, goodPassword)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	idToken := aws.ToString(out.AuthenticationResult.IdToken)
	pool := api.Pool(t, tenantID)
	claims, err := testenv.VerifyIDToken(idToken, api.App.Getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")+"/"+pool.ID+"/.well-known/jwks.json", pool.Issuer, pool.ClientID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	claim, err := tokenclaims.ParseClaim(claims.PartnerAccess)
	if err != nil {
		t.Fatalf("%v (claims: %+v)", err, claims)
	}
	if claim.TenantID != tenantID || len(claim.Memberships) != 1 {
		t.Fatalf("claim %+v", claim)
	}
	m := claim.Memberships[0]
	if m.PartnerID != pid || m.UserID != userID || m.Role != "admin" || len(m.Grants) != partners.MaxGrants {
		t.Errorf("membership %+v", m)
	}
	for i, g := range largestGrants() {
		if want := [3]string{g["resource_type"].(string), g["resource_id"].(string), g["permission"].(string)}; m.Grants[i] != want {
			t.Errorf("grant %d = %v, want %v", i, m.Grants[i], want)
		}
	}
	// The largest grants stay within the documented sizes.
	if n := len(claims.PartnerAccess); n > tokenclaims.MaxClaimBytes {
		t.Errorf("claim of %d bytes, over the documented %d", n, tokenclaims.MaxClaimBytes)
	}
	if n := len(idToken); n > maxIDTokenBytes {
		t.Errorf("ID token of %d bytes, over the documented %d", n, maxIDTokenBytes)
	}

	// Partner inactive: no tokens; active again: tokens.
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"status": "inactive"}), http.StatusOK)
	if _, err := signIn(t, api, key, email, goodPassword); err == nil || !strings.Contains(err.Error(), "UserLambdaValidation") {
		t.Errorf("sign-in of an inactive partner's login: %v, want UserLambdaValidationException", err)
	}
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"status": "active"}), http.StatusOK)
	if !signsIn(t, api, key, email, goodPassword) {
		t.Error("no tokens once the partner is active again")
	}
	// The membership disabled: no tokens.
	disableMembership(t, api, partners.Membership{Sub: sub, TenantID: tenantID, PartnerID: pid})
	if out, err := signIn(t, api, key, email, goodPassword); err == nil {
		t.Errorf("a login with no active membership got tokens: %v", out.AuthenticationResult)
	}
}

// TestPoolsNotRoutedSignInWithoutTheClaim: the trigger is global on the
// emulator; a pool no test routed gets its tokens unchanged.
func TestPoolsNotRoutedSignInWithoutTheClaim(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	email := uniqueEmail(t, "plain")
	path, _ := activationLink(t, api, key, pid, email)
	wantStatus(t, api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(path, "/activate/"), "password": goodPassword}), http.StatusOK)
	out, err := signIn(t, api, key, email, goodPassword)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	pool := api.Pool(t, tenantID)
	claims, err := testenv.VerifyIDToken(aws.ToString(out.AuthenticationResult.IdToken), api.App.Getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")+"/"+pool.ID+"/.well-known/jwks.json", pool.Issuer, pool.ClientID)
	if err != nil || claims.PartnerAccess != "" {
		t.Errorf("claims %+v, err %v: want a plain token", claims, err)
	}
}

func TestGrantsAreSetCheckedAndShown(t *testing.T) {
	api := testenv.NewAPIWithConsumers(t, []string{apigw.PublishEventsFunction})
	_, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	pid := newPartner(t, api, key, "Globex")
	dash := map[string]any{"resource_type": "dashboard", "resource_id": "dash-42", "permission": "view"}
	proc := map[string]any{"resource_type": "process", "resource_id": "p-7", "permission": "edit"}

	bad := api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{"grants": []any{
		dash, map[string]any{"resource_type": "dashboard", "resource_id": "a b", "permission": ""}, dash,
	}})
	wantStatus(t, bad, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"grants[1].permission", "grants[1].resource_id", "grants[2]"}, problemFields(t, bad)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	wantStatus(t, api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{}), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", otherKey, map[string]any{"grants": []any{dash}}), http.StatusNotFound)
	_, viewer := api.Key(t, mustTenantOf(t, api, key), partners.RoleViewer)
	wantStatus(t, api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", viewer, map[string]any{"grants": []any{dash}}), http.StatusForbidden)

	set := api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{"grants": []any{dash}})
	wantStatus(t, set, http.StatusOK)
	// An invite's grants are added to the partner's, once each.
	inv := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
		"email": uniqueEmail(t, "grant"), "role": "member", "send_email": false, "grants": []any{dash, proc},
	})
	wantStatus(t, inv, http.StatusCreated)
	badInvite := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
		"email": uniqueEmail(t, "grant"), "role": "member", "send_email": false, "grants": []any{map[string]any{"resource_type": "x"}},
	})
	wantStatus(t, badInvite, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"grants[0].permission", "grants[0].resource_id"}, problemFields(t, badInvite)); diff != "" {
		t.Errorf("invite fields (-want +got):\n%s", diff)
	}
	got := api.Do(t, "GET", "/v1/partners/"+pid, key, nil)
	wantStatus(t, got, http.StatusOK)
	if diff := cmp.Diff([]any{dash, proc}, got.JSON(t)["grants"]); diff != "" {
		t.Errorf("GET grants (-want +got):\n%s", diff)
	}
	// Each change is a partner.updated carrying the grants.
	evs := eventsOf(t, api, key, "type=partner.updated&partner_id="+pid, 2)
	if len(evs) != 2 {
		t.Fatalf("%d partner.updated events, want 2 (PUT and the invite's)", len(evs))
	}
	last := evs[1]["data"].(map[string]any)["grants"]
	if diff := cmp.Diff([]any{dash, proc}, last); diff != "" {
		t.Errorf("event grants (-want +got):\n%s", diff)
	}
	// Clearing.
	cleared := api.Do(t, "PUT", "/v1/partners/"+pid+"/grants", key, map[string]any{"grants": []any{}})
	wantStatus(t, cleared, http.StatusOK)
	if g := cleared.JSON(t)["grants"]; !cmp.Equal(g, []any{}) {
		t.Errorf("grants after clearing: %v", g)
	}
}

func mustTenantOf(t *testing.T, api *testenv.API, key string) string {
	t.Helper()
	p, err := api.App.Authorizer.Keys.Authenticate(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return p.TenantID
}
