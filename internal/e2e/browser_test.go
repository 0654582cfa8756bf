package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/chromedp/chromedp"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// chromium returns the browser to drive: CHROMIUM, or Debian's.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("PI_REQUIRE_EMULATORS") == "1" {
			t.Fatalf("no Chromium at %s (make test installs Debian's chromium)", path)
		}
		t.Skipf("no Chromium at %s", path)
	}
	return path
}

// profileDir is a fresh browser profile. It is removed after the browser
// is gone: Chromium may still be writing to it for a moment after it is
// told to quit, which t.TempDir's cleanup would take for a failure.
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profileDir(t)),
		chromedp.WindowSize(1200, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// artifact writes a test artefact under test-artifacts/ at the top of the
// checkout.
func artifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAPartnerActivatesInABrowser(t *testing.T) {
	ctx := browser(t)
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	api.Do(t, "PUT", "/v1/settings", key, map[string]any{"branding": map[string]any{"accent_color": "#0b7285"}, "portal_url": "https://partners.acme.example"})
	pid := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex Resellers"}).JSON(t)["id"].(string)
	email := fmt.Sprintf("ada+%d@globex.example", time.Now().UnixNano())
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "admin", "first_name": "Ada"})
	if r.Status != http.StatusCreated {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	mail := testenv.WaitForMail(t, email, 1, 15*time.Second)[0]
	link := strings.Fields(mail.Body.Text[strings.Index(mail.Body.Text, "http"):])[0]

	const password = "Correct-Horse-42"
	var invitePage, donePage []byte
	var heading, text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
		chromedp.SetValue(`#last_name`, "Lovelace", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.SendKeys(`#password_confirm`, password, chromedp.ByQuery),
		chromedp.FullScreenshot(&invitePage, 100),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "You're in")]`, chromedp.BySearch),
		chromedp.Text(`.card`, &text, chromedp.ByQuery),
		chromedp.FullScreenshot(&donePage, 100),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	artifact(t, "activation-form.png", invitePage)
	artifact(t, "activation-done.png", donePage)
	if !strings.Contains(heading, "Globex Resellers") || !strings.Contains(text, "You joined Globex Resellers") {
		t.Errorf("pages said %q, then %q", heading, text)
	}

	// The portal signs in through the tenant's own pool and app client.
	pool := api.Pool(t, tenantID)
	out, err := cip.NewFromConfig(api.App.AWS).InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(pool.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil || out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("InitiateAuth with the new login: %v", err)
	}
	// The portal verifies the ID token against the tenant's JWKS, as
	// docs/api.md shows, with what GET /v1/identity names.
	id := api.Do(t, "GET", "/v1/identity", key, nil).JSON(t)
	claims, err := testenv.VerifyIDToken(aws.ToString(out.AuthenticationResult.IdToken), id["jwks_url"].(string), id["issuer"].(string), id["client_id"].(string))
	if err != nil {
		t.Fatalf("the ID token does not verify against the tenant's pool: %v", err)
	}
	if claims.Issuer != pool.Issuer || claims.Email != strings.ToLower(email) {
		t.Errorf("ID token claims %+v", claims)
	}
}

// A partner who forgot their password asks for a link on the tenant's
// page, opens the emailed link, sets a new password in the browser, and
// signs in with it (and no longer with the old one).
func TestAPartnerResetsItsPasswordInABrowser(t *testing.T) {
	ctx := browser(t)
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	api.Do(t, "PUT", "/v1/settings", key, map[string]any{"branding": map[string]any{"accent_color": "#0b7285"}})
	pid := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex Resellers"}).JSON(t)["id"].(string)
	email := fmt.Sprintf("ada+%d@globex.example", time.Now().UnixNano())
	inv := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": email, "role": "admin", "send_email": false}).JSON(t)["invitation"].(map[string]any)
	const oldPassword, newPassword = "Correct-Horse-42", "Battery-Staple-77"
	var sent string
	err := chromedp.Run(ctx,
		chromedp.Navigate(inv["activation_url"].(string)),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, oldPassword, chromedp.ByQuery),
		chromedp.SendKeys(`#password_confirm`, oldPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "You're in")]`, chromedp.BySearch),
		chromedp.Navigate(api.URL+"/forgot-password/"+tenantID),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "Check your email")]`, chromedp.BySearch),
		chromedp.Text(`.card`, &sent, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser, asking: %v", err)
	}
	if !strings.Contains(sent, "If that address has a login here") {
		t.Errorf("the answer said %q", sent)
	}
	mail := testenv.WaitForMail(t, email, 1, 15*time.Second)[0]
	link := strings.Fields(mail.Body.Text[strings.Index(mail.Body.Text, "http"):])[0]
	if !strings.Contains(link, "/reset-password/") {
		t.Fatalf("the email's first link is %s", link)
	}
	var formPage, donePage []byte
	var done string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, newPassword, chromedp.ByQuery),
		chromedp.SendKeys(`#password_confirm`, newPassword, chromedp.ByQuery),
		chromedp.FullScreenshot(&formPage, 100),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "Your password was changed")]`, chromedp.BySearch),
		chromedp.Text(`.card`, &done, chromedp.ByQuery),
		chromedp.FullScreenshot(&donePage, 100),
	)
	if err != nil {
		t.Fatalf("browser, resetting: %v", err)
	}
	artifact(t, "password-reset-form.png", formPage)
	artifact(t, "password-reset-done.png", donePage)
	if !strings.Contains(done, strings.ToLower(email)) {
		t.Errorf("the done page said %q", done)
	}
	pool := api.Pool(t, tenantID)
	signIn := func(password string) bool {
		out, err := cip.NewFromConfig(api.App.AWS).InitiateAuth(context.Background(), &cip.InitiateAuthInput{
			ClientId: aws.String(pool.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
		})
		return err == nil && out.AuthenticationResult != nil && aws.ToString(out.AuthenticationResult.IdToken) != ""
	}
	if !signIn(newPassword) || signIn(oldPassword) {
		t.Errorf("after the reset: new password signs in %v, old %v; want true, false", signIn(newPassword), signIn(oldPassword))
	}
}

// The contact of an invited partner activates in a browser and lands on
// the tenant's partner form; a missing required answer is named on the
// page; the complete form approves the partner, whose answers show in the
// detail. No JavaScript is needed for any of it (the page works without;
// the browser just runs it).
func TestAnInvitedPartnerFillsInItsFormInABrowser(t *testing.T) {
	ctx := browser(t)
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": map[string]any{"questions": []map[string]any{
		{"key": "website", "label": "Company website", "type": "url", "required": true},
		{"key": "regions", "label": "Regions you sell in", "type": "multi_choice", "choices": []string{"EMEA", "APAC"}},
		{"key": "terms", "label": "I accept the partner terms", "type": "checkbox", "required": true},
	}}})
	email := fmt.Sprintf("ada+%d@globex.example", time.Now().UnixNano())
	created := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex Resellers", "onboarding": "invite", "primary_contact": map[string]any{"email": email}})
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	pid := created.JSON(t)["id"].(string)
	mail := testenv.WaitForMail(t, email, 1, 15*time.Second)[0]
	link := strings.Fields(mail.Body.Text[strings.Index(mail.Body.Text, "http"):])[0]

	const password = "Correct-Horse-42"
	var formPage, errorPage, donePage []byte
	var fieldError, done string
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.SendKeys(`#password_confirm`, password, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "Tell Acme SaaS about Globex Resellers")]`, chromedp.BySearch),
		chromedp.FullScreenshot(&formPage, 100),
		// The browser would refuse an empty required field itself: remove
		// that, as a client without such checks would, to see ours.
		chromedp.Evaluate(`document.querySelectorAll("[required]").forEach(e => e.removeAttribute("required"))`, nil),
		chromedp.Click(`input[value="APAC"]`, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.field-error`, chromedp.ByQuery),
		chromedp.Text(`.field-error`, &fieldError, chromedp.ByQuery),
		chromedp.FullScreenshot(&errorPage, 100),
		chromedp.SendKeys(`input[name="answers.website"]`, "https://globex.example", chromedp.ByQuery),
		chromedp.Click(`input[name="answers.terms"]`, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "is approved")]`, chromedp.BySearch),
		chromedp.Text(`.card`, &done, chromedp.ByQuery),
		chromedp.FullScreenshot(&donePage, 100),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	artifact(t, "partner-form.png", formPage)
	artifact(t, "partner-form-error.png", errorPage)
	artifact(t, "partner-form-done.png", donePage)
	if !strings.Contains(fieldError, "Company website") {
		t.Errorf("the missing answer's error says %q", fieldError)
	}
	detail := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)
	if detail["onboarding_status"] != "approved" {
		t.Fatalf("after the form the partner is %v", detail["onboarding_status"])
	}
	got := fmt.Sprint(detail["form_answers"])
	for _, want := range []string{"https://globex.example", "APAC", "true"} {
		if !strings.Contains(got, want) {
			t.Errorf("the answers %s lack %s", got, want)
		}
	}
}
