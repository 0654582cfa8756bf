package apigw_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

const newPassword = "Battery-Staple-77"

var resetLinkRE = regexp.MustCompile(`https?://\S+(/reset-password/[A-Za-z0-9_-]{43})`)

// withLogin invites email to a new partner of the tenant and accepts with
// goodPassword: an active login with an active membership.
func withLogin(t *testing.T, api *testenv.API, key, email string) string {
	t.Helper()
	pid := newPartner(t, api, key, "Globex Resellers")
	path, _ := activationLink(t, api, key, pid, email)
	r := submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}})
	wantStatus(t, r, http.StatusOK)
	return pid
}

// askReset posts the tenant's "forgot your password?" form.
func askReset(t *testing.T, api *testenv.API, tenantID, email string) testenv.Response {
	t.Helper()
	return api.Do(t, "POST", "/forgot-password/"+tenantID, "", url.Values{"email": {email}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// waitReset waits until the email sender decided the address's latest
// request (the reset is no longer queued) and returns it.
func waitReset(t *testing.T, api *testenv.API, tenantID, email string, seq int) partners.PasswordReset {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := api.App.Store.GetPasswordReset(context.Background(), tenantID, partners.NormalizeEmail(email))
		if err == nil && r.Seq >= seq && r.Status != partners.ResetQueued {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("reset of %s not decided after 15 s: %+v, %v", email, r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// resetLink returns the path of the reset link in the n-th email to email.
func resetLink(t *testing.T, email string, n int) string {
	t.Helper()
	mails := testenv.WaitForMail(t, email, n, 15*time.Second)
	m := resetLinkRE.FindStringSubmatch(mails[n-1].Body.Text)
	if m == nil {
		t.Fatalf("no reset link in the email:\n%s", mails[n-1].Body.Text)
	}
	return m[1]
}

// sameAnswer is a response with what differs per response by design (the
// CSP nonce, the date) taken out.
func sameAnswer(r testenv.Response) map[string]any {
	nonce := regexp.MustCompile(`nonce-[A-Za-z0-9_-]+|nonce="[A-Za-z0-9_-]+"`)
	headers := map[string]string{}
	for k := range r.Header {
		if k != "Date" && k != "Content-Length" {
			headers[k] = nonce.ReplaceAllString(r.Header.Get(k), "nonce")
		}
	}
	return map[string]any{"status": r.Status, "headers": headers, "body": nonce.ReplaceAllString(string(r.Body), "nonce")}
}

func TestAPasswordResetSetsANewPasswordOnce(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "ada")
	withLogin(t, api, key, email)

	form := api.Do(t, "GET", "/forgot-password/"+tenantID, "", nil)
	wantStatus(t, form, http.StatusOK)
	wantPageHeaders(t, form)
	if !strings.Contains(string(form.Body), "Acme SaaS") || !strings.Contains(string(form.Body), `name="email"`) {
		t.Errorf("the forgot page lacks the tenant or the form:\n%s", form.Body)
	}
	wantStatus(t, askReset(t, api, tenantID, strings.ToUpper(email)), http.StatusOK)
	if r := waitReset(t, api, tenantID, email, 1); r.Status != partners.ResetSent {
		t.Fatalf("reset %s, want sent", r.Status)
	}
	path := resetLink(t, email, 1) // the invitation was link-only: this is the first email
	mail := testenv.Sent(t, email)[0]
	if !strings.Contains(mail.Subject, "Acme SaaS") || !strings.Contains(mail.Body.Text, "expires in 1 hour") {
		t.Errorf("email %q:\n%s", mail.Subject, mail.Body.Text)
	}

	// Opening the link (GET, HEAD, twice: a mail scanner) changes nothing.
	for _, method := range []string{"HEAD", "GET", "GET"} {
		r := api.Do(t, method, path, "", nil)
		wantStatus(t, r, http.StatusOK)
		wantPageHeaders(t, r)
	}
	if !signsIn(t, api, key, email, goodPassword) {
		t.Fatal("opening the link changed the password")
	}
	for _, tt := range []struct {
		name   string
		fields url.Values
		status int
		says   string
	}{
		{"weak", url.Values{"password": {"short"}, "password_confirm": {"short"}}, http.StatusBadRequest, "The password needs at least 12 characters"},
		{"different", url.Values{"password": {newPassword}, "password_confirm": {newPassword + "x"}}, http.StatusBadRequest, "The two passwords are not the same."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := submit(t, api, path, tt.fields)
			wantStatus(t, r, tt.status)
			if !strings.Contains(string(r.Body), tt.says) {
				t.Errorf("the page does not say %q:\n%s", tt.says, r.Body)
			}
		})
	}
	forged := api.Do(t, "POST", path, "", url.Values{"password": {newPassword}, "password_confirm": {newPassword}, "csrf": {"forged"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, forged, http.StatusForbidden)
	// The activation form's CSRF token does not fit the reset form.
	if !signsIn(t, api, key, email, goodPassword) {
		t.Fatal("a refused form changed the password")
	}

	done := submit(t, api, path, url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
	wantStatus(t, done, http.StatusOK)
	wantPageHeaders(t, done)
	if !strings.Contains(string(done.Body), "Your password was changed") {
		t.Errorf("done page:\n%s", done.Body)
	}
	// cognito-local cannot sign a login out: the page says so honestly.
	if !strings.Contains(string(done.Body), "may stay signed in") {
		t.Errorf("the done page claims a sign-out cognito-local cannot do:\n%s", done.Body)
	}
	if !signsIn(t, api, key, email, newPassword) {
		t.Error("the new password does not sign in")
	}
	if signsIn(t, api, key, email, goodPassword) {
		t.Error("the old password still signs in")
	}

	// Single use: the page and the form of a used link are 410.
	used := api.Do(t, "GET", path, "", nil)
	wantStatus(t, used, http.StatusGone)
	if !strings.Contains(string(used.Body), "already used") {
		t.Errorf("used page:\n%s", used.Body)
	}
	again := api.Do(t, "POST", path, "", url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}, "csrf": {"x"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, again, http.StatusGone)
	if !signsIn(t, api, key, email, newPassword) {
		t.Error("a used link changed the password again")
	}

	// The audit trail has the reset, with the user as its actor.
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := api.Do(t, "GET", "/v1/events?type=partner_user.password_reset", key, nil).JSON(t)["data"].([]any)
		if len(events) == 1 {
			e := events[0].(map[string]any)
			if actor := e["actor"].(map[string]any); actor["type"] != "partner_user" || actor["name"] != strings.ToLower(email) && actor["name"] != email {
				t.Errorf("actor %v", actor)
			}
			if data := e["data"].(map[string]any); data["object"] != "partner_user" || data["password_reset_at"] == nil {
				t.Errorf("event data %v", data)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d partner_user.password_reset events, want 1", len(events))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if logs := api.Logs.String(); strings.Contains(logs, strings.TrimPrefix(path, "/reset-password/")) || strings.Contains(logs, newPassword) {
		t.Error("the logs hold the reset token or the new password")
	}
}

// An address with no login here, or with a login only at another tenant,
// gets the same answer as one with a login, and no email.
func TestAResetRequestAnswersAlikeAndMailsOnlyAnActiveLogin(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantA, keyA := api.Tenant(t, "Acme SaaS")
	_, keyB := api.Tenant(t, "Initech")
	known, elsewhere, unknown := uniqueEmail(t, "ada"), uniqueEmail(t, "bob"), uniqueEmail(t, "eve")
	withLogin(t, api, keyA, known)
	withLogin(t, api, keyB, elsewhere) // a login at B only

	answers := map[string]testenv.Response{}
	for _, email := range []string{known, elsewhere, unknown} {
		answers[email] = askReset(t, api, tenantA, email)
	}
	for _, email := range []string{elsewhere, unknown} {
		if diff := cmp.Diff(sameAnswer(answers[known]), sameAnswer(answers[email])); diff != "" {
			t.Errorf("the answer for %s differs from a known address's (-known +got):\n%s", email, diff)
		}
	}
	if !strings.Contains(string(answers[known].Body), "If that address has a login here") {
		t.Errorf("answer:\n%s", answers[known].Body)
	}
	for email, want := range map[string]partners.ResetStatus{known: partners.ResetSent, elsewhere: partners.ResetNoLogin, unknown: partners.ResetNoLogin} {
		if got := waitReset(t, api, tenantA, email, 1); got.Status != want {
			t.Errorf("%s: reset %s, want %s", email, got.Status, want)
		}
	}
	testenv.WaitForMail(t, known, 1, 15*time.Second)
	for _, email := range []string{elsewhere, unknown} {
		if got := testenv.Sent(t, email); len(got) != 0 {
			t.Errorf("%d emails to %s, want none", len(got), email)
		}
	}
	if r := askReset(t, api, "ten_doesnotexist", known); r.Status != http.StatusNotFound {
		t.Errorf("an unknown tenant's page: %d, want 404", r.Status)
	}
	if r := askReset(t, api, tenantA, "not an address"); r.Status != http.StatusBadRequest {
		t.Errorf("a malformed address: %d, want 400", r.Status)
	}
}

// A login whose membership was turned off gets no reset email.
func TestAResetNeedsAnActiveMembership(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "ada")
	withLogin(t, api, key, email)
	user := waitUser(t, api, tenantID, email)
	ms, err := api.App.Store.ListMemberships(context.Background(), user.Sub, tenantID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("memberships %v, %v", ms, err)
	}
	disableMembership(t, api, ms[0])
	wantStatus(t, askReset(t, api, tenantID, email), http.StatusOK)
	if got := waitReset(t, api, tenantID, email, 1); got.Status != partners.ResetNoLogin {
		t.Errorf("reset %s, want no_login", got.Status)
	}
	if got := testenv.Sent(t, email); len(got) != 0 {
		t.Errorf("%d emails, want none", len(got))
	}
}

func TestResetRequestsAreLimitedPerAddress(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "ada")
	withLogin(t, api, key, email)
	var first testenv.Response
	for i := range partners.ResetRequestsPerAddressPerHour + 2 {
		r := askReset(t, api, tenantID, email)
		if i == 0 {
			first = r
		} else if diff := cmp.Diff(sameAnswer(first), sameAnswer(r)); diff != "" {
			t.Errorf("request %d answers otherwise (-first +got):\n%s", i+1, diff)
		}
	}
	r := waitReset(t, api, tenantID, email, partners.ResetRequestsPerAddressPerHour)
	if r.Seq != partners.ResetRequestsPerAddressPerHour {
		t.Errorf("%d requests queued, want %d", r.Seq, partners.ResetRequestsPerAddressPerHour)
	}
	// Another address of the same tenant is not held back.
	other := uniqueEmail(t, "bob")
	wantStatus(t, askReset(t, api, tenantID, other), http.StatusOK)
	if got := waitReset(t, api, tenantID, other, 1); got.Seq != 1 {
		t.Errorf("another address: seq %d, want 1", got.Seq)
	}
}

func TestAResetLinkExpiresAndANewerOneReplacesIt(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	email := uniqueEmail(t, "ada")
	withLogin(t, api, key, email)

	wantStatus(t, askReset(t, api, tenantID, email), http.StatusOK)
	first := resetLink(t, email, 1)
	wantStatus(t, askReset(t, api, tenantID, email), http.StatusOK)
	second := resetLink(t, email, 2)
	if r := api.Do(t, "GET", first, "", nil); r.Status != http.StatusGone || !strings.Contains(string(r.Body), "replaced") {
		t.Errorf("the first link after a second: %d\n%s", r.Status, r.Body)
	}
	wantStatus(t, api.Do(t, "GET", second, "", nil), http.StatusOK)
	page := api.Do(t, "GET", second, "", nil)
	csrf := csrfRE.FindStringSubmatch(string(page.Body))[1]

	clock.Advance(partners.PasswordResetLifetime + time.Second)
	r := api.Do(t, "GET", second, "", nil)
	wantStatus(t, r, http.StatusGone)
	if !strings.Contains(string(r.Body), "expired") || !strings.Contains(string(r.Body), "../forgot-password/"+tenantID) {
		t.Errorf("expired page:\n%s", r.Body)
	}
	post := api.Do(t, "POST", second, "", url.Values{"password": {newPassword}, "password_confirm": {newPassword}, "csrf": {csrf}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, post, http.StatusGone)
	if !signsIn(t, api, key, email, goodPassword) || signsIn(t, api, key, email, newPassword) {
		t.Error("an expired link changed the password")
	}
	if r := api.Do(t, "GET", "/reset-password/"+strings.Repeat("A", 43), "", nil); r.Status != http.StatusNotFound {
		t.Errorf("an unknown link: %d, want 404", r.Status)
	}
}

// The page of an expired invitation offers a password reset to a person
// who has a login at the tenant already; the sign-in form of a live link
// links to it too; a person without a login is offered neither.
func TestActivationPagesOfferAResetToALogin(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	withAccount, without := uniqueEmail(t, "ada"), uniqueEmail(t, "bob")
	// A login in the tenant's pool without a membership (as one left by an
	// earlier partner would be).
	pool := api.Pool(t, tenantID)
	ctx := context.Background()
	if _, err := api.Cognito().AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String(withAccount),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(withAccount)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Cognito().AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool.ID), Username: aws.String(withAccount),
		Password: aws.String(goodPassword), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	live, _ := activationLink(t, api, key, pid, withAccount)
	noLogin, _ := activationLink(t, api, key, pid, without)
	forgot := `href="../forgot-password/` + tenantID + `"`
	if r := api.Do(t, "GET", live, "", nil); !strings.Contains(string(r.Body), forgot) || !strings.Contains(string(r.Body), "Forgot your password?") {
		t.Errorf("the sign-in form does not offer a reset:\n%s", r.Body)
	}
	if r := api.Do(t, "GET", noLogin, "", nil); strings.Contains(string(r.Body), "forgot-password") {
		t.Errorf("the new-login form offers a reset")
	}
	clock.Advance(49 * time.Hour)
	expired := api.Do(t, "GET", live, "", nil)
	wantStatus(t, expired, http.StatusGone)
	if !strings.Contains(string(expired.Body), forgot) || !strings.Contains(string(expired.Body), "Send me a new link") {
		t.Errorf("the expired page of a login does not offer a reset:\n%s", expired.Body)
	}
	if r := api.Do(t, "GET", noLogin, "", nil); r.Status != http.StatusGone || strings.Contains(string(r.Body), "forgot-password") {
		t.Errorf("the expired page of a person without a login: %d, offers a reset", r.Status)
	}
}

// waitUser returns the partner user of an address at the tenant.
func waitUser(t *testing.T, api *testenv.API, tenantID, email string) partners.PartnerUser {
	t.Helper()
	ctx := context.Background()
	claim, err := api.App.Store.GetEmailClaim(ctx, tenantID, partners.NormalizeEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	u, err := api.App.Store.GetUser(ctx, tenantID, claim.PartnerID, claim.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// disableMembership turns a membership off in the table, as taking portal
// access away does (issue 13 part 4 owns that route).
func disableMembership(t *testing.T, api *testenv.API, m partners.Membership) {
	t.Helper()
	_, err := api.App.DynamoDB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(api.App.Config.TableName),
		Key: map[string]dbtypes.AttributeValue{
			"PK": &dbtypes.AttributeValueMemberS{Value: "SUB#" + m.Sub}, "SK": &dbtypes.AttributeValueMemberS{Value: "T#" + m.TenantID + "#P#" + m.PartnerID},
		},
		UpdateExpression:          aws.String("SET membership_status = :off"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":off": &dbtypes.AttributeValueMemberS{Value: string(partners.MembershipDisabled)}},
	})
	if err != nil {
		t.Fatal(err)
	}
}
