package apigw_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

var formSessionRE = regexp.MustCompile(`name="session" value="([^"]+)"[\s\S]*name="session_expires" value="([0-9]+)"`)

// partnerForm is a form with one question of each kind that tests need.
var partnerForm = map[string]any{
	"questions": []map[string]any{
		{"key": "website", "label": "Company website", "type": "url", "required": true},
		{"key": "regions", "label": "Regions you sell in", "type": "multi_choice", "choices": []string{"EMEA", "APAC", "Americas"}, "required": true},
		{"key": "size", "label": "Company size", "type": "single_choice", "choices": []string{"1-10", "11-100", "100+"}},
		{"key": "about", "label": "About you", "help": "A few lines.", "type": "long_text"},
		{"key": "hq", "label": "Head office country", "type": "country"},
		{"key": "terms", "label": "I accept the partner terms", "type": "checkbox", "required": true},
	},
}

// invitedPartner creates a partner with onboarding "invite" whose primary
// contact's link is returned (not emailed).
func invitedPartner(t *testing.T, api *testenv.API, key, name, email string) (pid, path string) {
	t.Helper()
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{
		"name": name, "onboarding": "invite", "send_email": false,
		"primary_contact": map[string]any{"email": email, "first_name": "Ada"},
	})
	wantStatus(t, r, http.StatusCreated)
	body := r.JSON(t)
	if body["onboarding_status"] != "pending" || body["status"] != "prospect" {
		t.Fatalf("a new invited partner is %v/%v, want pending/prospect", body["onboarding_status"], body["status"])
	}
	inv := body["primary_contact_invitation"].(map[string]any)
	return body["id"].(string), strings.TrimPrefix(inv["activation_url"].(string), api.URL)
}

// postForm posts fields to a page's address.
func postForm(t *testing.T, api *testenv.API, path string, fields url.Values) testenv.Response {
	t.Helper()
	return api.Do(t, "POST", path, "", fields.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// withSession adds the session of the form page r to fields.
func withSession(t *testing.T, r testenv.Response, fields url.Values) url.Values {
	t.Helper()
	m := formSessionRE.FindStringSubmatch(string(r.Body))
	if m == nil {
		t.Fatalf("no partner form on the page (%d):\n%s", r.Status, r.Body)
	}
	fields.Set("session", m[1])
	fields.Set("session_expires", m[2])
	return fields
}

func completeAnswers() url.Values {
	return url.Values{
		"answers.website": {"https://globex.example"}, "answers.regions": {"APAC", "EMEA"}, "answers.size": {"11-100"},
		"answers.about": {"We resell.\r\nMostly in Asia."}, "answers.hq": {"de"}, "answers.terms": {"true"},
	}
}

func TestAnInvitedPartnerIsApprovedByItsForm(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": partnerForm}), http.StatusOK)
	pid, path := invitedPartner(t, api, key, "Globex", uniqueEmail(t, "ada"))

	// Activating leads to the form.
	page := submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}})
	wantStatus(t, page, http.StatusOK)
	wantPageHeaders(t, page)
	for _, want := range []string{"Company website", "Regions you sell in", "I accept the partner terms", `action="` + strings.TrimPrefix(path, "/activate/") + `/form"`} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("the page after activation does not show %q:\n%s", want, page.Body)
		}
	}

	// A missing required answer is refused, naming the question; nothing is stored.
	missing := completeAnswers()
	missing.Del("answers.website")
	missing.Set("answers.size", "huge")
	again := postForm(t, api, path+"/form", withSession(t, page, missing))
	wantStatus(t, again, http.StatusBadRequest)
	for _, want := range []string{`&#34;Company website&#34; must be answered.`, `&#34;Company size&#34; must be one of its choices.`, `value="APAC" checked`} {
		if !strings.Contains(string(again.Body), want) {
			t.Errorf("the form sent back does not say %q:\n%s", want, again.Body)
		}
	}
	if got := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)["onboarding_status"]; got != "pending" {
		t.Fatalf("after a refused form the partner is %v, want pending", got)
	}

	// A forged session is refused.
	forged := withSession(t, again, completeAnswers())
	forged.Set("session", "forged")
	wantStatus(t, postForm(t, api, path+"/form", forged), http.StatusForbidden)

	// A complete form approves the partner, and the answers show in the detail.
	done := postForm(t, api, path+"/form", withSession(t, again, completeAnswers()))
	wantStatus(t, done, http.StatusOK)
	if !strings.Contains(string(done.Body), "Globex is approved") {
		t.Errorf("the page after the form does not say the partner is approved:\n%s", done.Body)
	}
	detail := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)
	if detail["onboarding_status"] != "approved" || detail["form_submitted_at"] == nil {
		t.Fatalf("after the form the partner is %v (submitted %v), want approved", detail["onboarding_status"], detail["form_submitted_at"])
	}
	answers := detail["form_answers"].([]any)
	got := map[string]any{}
	for _, a := range answers {
		a := a.(map[string]any)
		got[a["key"].(string)] = a["value"]
	}
	want := map[string]any{
		"website": "https://globex.example", "regions": []any{"EMEA", "APAC"}, "size": "11-100",
		"about": "We resell.\nMostly in Asia.", "hq": "DE", "terms": true,
	}
	for k, v := range want {
		if !equalJSON(got[k], v) {
			t.Errorf("answer %s = %#v, want %#v", k, got[k], v)
		}
	}

	// The first activated person made the prospect active; events say what happened.
	evs := eventsOf(t, api, key, "partner_id="+pid, 8)
	var types []string
	for _, e := range evs {
		types = append(types, e["type"].(string))
	}
	for _, want := range []string{"partner.form_submitted", "partner.approved", "partner.updated"} {
		if !contains(types, want) {
			t.Errorf("events of the partner %v lack %s", types, want)
		}
	}
	waitFor(t, "the partner to be active", func() bool {
		return api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)["status"] == "active"
	})

	// The form cannot be submitted twice: the page says where things stand.
	twice := postForm(t, api, path+"/form", withSession(t, again, completeAnswers()))
	wantStatus(t, twice, http.StatusOK)
	if !strings.Contains(string(twice.Body), "Globex is approved") {
		t.Errorf("a second submit does not say the partner is approved:\n%s", twice.Body)
	}
}

func TestAPartnerFormCanBeReachedAgainBySigningIn(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": partnerForm}), http.StatusOK)
	_, path := invitedPartner(t, api, key, "Initech", uniqueEmail(t, "ada"))
	wantStatus(t, submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)

	// The used link's page offers the form, behind the password.
	dead := api.Do(t, "GET", path, "", nil)
	wantStatus(t, dead, http.StatusGone)
	if !strings.Contains(string(dead.Body), "Complete your partner profile") {
		t.Fatalf("the used link's page does not offer the form:\n%s", dead.Body)
	}
	ask := postForm(t, api, path+"/form", url.Values{})
	wantStatus(t, ask, http.StatusOK)
	if !strings.Contains(string(ask.Body), `type="password"`) {
		t.Fatalf("the form is not behind a password:\n%s", ask.Body)
	}
	wrong := postForm(t, api, path+"/form", url.Values{"password": {"Not-The-Password-1"}})
	wantStatus(t, wrong, http.StatusBadRequest)
	if strings.Contains(string(wrong.Body), "Company website") {
		t.Fatal("a wrong password showed the form")
	}
	form := postForm(t, api, path+"/form", url.Values{"password": {goodPassword}})
	wantStatus(t, form, http.StatusOK)
	done := postForm(t, api, path+"/form", withSession(t, form, completeAnswers()))
	wantStatus(t, done, http.StatusOK)
	if !strings.Contains(string(done.Body), "Initech is approved") {
		t.Errorf("the form reached by signing in did not approve:\n%s", done.Body)
	}
}

func TestAReviewedPartnerWaitsForTheTenant(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	_, otherKey := api.Tenant(t, "Other SaaS")
	form := map[string]any{"questions": partnerForm["questions"], "review_required": true}
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": form}), http.StatusOK)

	for _, tt := range []struct {
		name, decision string
		body           any
		want           string
	}{
		{"approve", "approve", nil, "approved"},
		{"reject", "reject", map[string]any{"reason": "We only work with EU resellers."}, "rejected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			email := uniqueEmail(t, "ada")
			pid, path := invitedPartner(t, api, key, "Partner "+tt.name, email)
			page := submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}})
			done := postForm(t, api, path+"/form", withSession(t, page, completeAnswers()))
			wantStatus(t, done, http.StatusOK)
			if !strings.Contains(string(done.Body), "is reviewing") {
				t.Errorf("the page after the form does not say it is in review:\n%s", done.Body)
			}
			if got := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)["onboarding_status"]; got != "in_review" {
				t.Fatalf("with review required the partner is %v, want in_review", got)
			}
			// Another tenant's key cannot decide; a viewer cannot either.
			wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/"+tt.decision, otherKey, tt.body), http.StatusNotFound)
			r := api.Do(t, "POST", "/v1/partners/"+pid+"/"+tt.decision, key, tt.body)
			wantStatus(t, r, http.StatusOK)
			if r.JSON(t)["onboarding_status"] != tt.want {
				t.Fatalf("after %s the partner is %v", tt.decision, r.JSON(t)["onboarding_status"])
			}
			wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/"+tt.decision, key, tt.body), http.StatusConflict)
			evs := eventsOf(t, api, key, "type=partner."+tt.want+"&partner_id="+pid, 1)
			if len(evs) != 1 {
				t.Errorf("events partner.%s = %d, want 1", tt.want, len(evs))
			}
			if tt.want == "rejected" {
				// Its people see a page that says so, and nobody can be invited into it.
				again := postForm(t, api, path+"/form", url.Values{"password": {goodPassword}})
				wantStatus(t, again, http.StatusForbidden)
				if !strings.Contains(string(again.Body), "We only work with EU resellers.") {
					t.Errorf("the rejected partner's page does not give the reason:\n%s", again.Body)
				}
				inv := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": uniqueEmail(t, "bob"), "role": "member"})
				wantStatus(t, inv, http.StatusConflict)
				if code := inv.JSON(t)["code"]; code != "partner_rejected" {
					t.Errorf("an invite into a rejected partner has code %v, want partner_rejected", code)
				}
			}
		})
	}
	pid := newPartner(t, api, key, "Already approved")
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/reject", key, map[string]any{}), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/approve", key, nil), http.StatusConflict)
}

func TestThePartnerFormIsCheckedOnSave(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	r := api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": map[string]any{"questions": []map[string]any{
		{"key": "Website", "label": "Website", "type": "url"},
		{"key": "size", "label": "", "type": "single_choice"},
		{"key": "size", "label": "Again", "type": "dropdown"},
		{"key": "ok", "label": "OK", "type": "text", "choices": []string{"a"}},
	}}})
	wantStatus(t, r, http.StatusBadRequest)
	want := []string{
		"partner_form.questions[0].key", "partner_form.questions[1].choices", "partner_form.questions[1].label",
		"partner_form.questions[2].key", "partner_form.questions[2].type", "partner_form.questions[3].choices",
	}
	if got := problemFields(t, r); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fields = %v, want %v", got, want)
	}
	saved := api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": partnerForm})
	wantStatus(t, saved, http.StatusOK)
	got := api.Do(t, "GET", "/v1/settings", key, nil).JSON(t)["partner_form"].(map[string]any)
	if qs := got["questions"].([]any); len(qs) != 6 || qs[1].(map[string]any)["choices"].([]any)[2] != "Americas" {
		t.Errorf("the saved form reads back as %v", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func equalJSON(a, b any) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// waitFor polls until done, for what the stream consumers do after a
// request has answered.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestAPartnersDetailCountsItsPeople(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Globex", "send_email": false, "primary_contact": map[string]any{"email": uniqueEmail(t, "contact")}})
	wantStatus(t, r, http.StatusCreated)
	pid, contactUser := r.JSON(t)["id"].(string), r.JSON(t)["primary_admin_user_id"]
	if contactUser == nil {
		t.Fatal("the primary contact is not the primary admin")
	}
	path, _ := activationLink(t, api, key, pid, uniqueEmail(t, "ada"))
	wantStatus(t, submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)
	_, revoked := activationLink(t, api, key, pid, uniqueEmail(t, "bob"))
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+revoked+"/revoke", key, nil), http.StatusOK)

	d := api.Do(t, "GET", "/v1/partners/"+pid, key, nil)
	wantStatus(t, d, http.StatusOK)
	counts := d.JSON(t)["counts"].(map[string]any)
	wantUsers := map[string]any{"invited": 2.0, "active": 1.0, "disabled": 0.0}
	wantInvitations := map[string]any{"pending": 1.0, "accepted": 1.0, "revoked": 1.0, "expired": 0.0, "declined": 0.0}
	if fmt.Sprint(counts["users"]) != fmt.Sprint(wantUsers) || fmt.Sprint(counts["invitations"]) != fmt.Sprint(wantInvitations) {
		t.Errorf("counts = %v, want users %v and invitations %v", counts, wantUsers, wantInvitations)
	}
	last, err := time.Parse(time.RFC3339, d.JSON(t)["last_activity_at"].(string))
	created, _ := time.Parse(time.RFC3339, d.JSON(t)["created_at"].(string))
	if err != nil || !last.After(created) {
		t.Errorf("last_activity_at = %v, want after the partner's creation %v", d.JSON(t)["last_activity_at"], created)
	}

	// The primary admin is one of the partner's users.
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users?status=active", key, nil).JSON(t)["data"].([]any)
	ada := users[0].(map[string]any)["id"].(string)
	other := newPartner(t, api, key, "Initech")
	_, otherInv := activationLink(t, api, key, other, uniqueEmail(t, "eve"))
	eve := api.Do(t, "GET", "/v1/invitations/"+otherInv, key, nil).JSON(t)["user_id"].(string)
	for _, bad := range []string{"usr_01JD0000000000000000000001", eve, "not-an-id"} {
		r := api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"primary_admin_user_id": bad})
		wantStatus(t, r, http.StatusBadRequest)
		if got := problemFields(t, r); fmt.Sprint(got) != "[primary_admin_user_id]" {
			t.Errorf("PATCH with primary admin %s names %v", bad, got)
		}
	}
	p := api.Do(t, "PATCH", "/v1/partners/"+pid, key, map[string]any{"primary_admin_user_id": ada})
	wantStatus(t, p, http.StatusOK)
	if p.JSON(t)["primary_admin_user_id"] != ada {
		t.Errorf("primary_admin_user_id = %v, want %s", p.JSON(t)["primary_admin_user_id"], ada)
	}
}

func TestAPortalSubmitsThePartnerFormAsJSON(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", key, map[string]any{"partner_form": partnerForm}), http.StatusOK)
	pid, path := invitedPartner(t, api, key, "Globex", uniqueEmail(t, "contact"))
	acc := api.Do(t, "POST", "/v1/activations", "", map[string]any{"token": strings.TrimPrefix(path, "/activate/"), "password": goodPassword})
	wantStatus(t, acc, http.StatusOK)
	email := api.Do(t, "GET", "/v1/partners/"+pid, key, nil).JSON(t)["primary_contact"].(map[string]any)["email"].(string)
	out, err := signIn(t, api, key, email, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin := *out.AuthenticationResult.IdToken
	member, _, _ := partnerLogin(t, api, key, pid, "member")

	view := api.Do(t, "GET", "/v1/partner", admin, nil)
	wantStatus(t, view, http.StatusOK)
	if v := view.JSON(t); v["can_submit"] != true || len(v["partner_form"].(map[string]any)["questions"].([]any)) != 6 || v["partner"].(map[string]any)["id"] != pid {
		t.Fatalf("GET /v1/partner = %s", view.Body)
	}
	if v := api.Do(t, "GET", "/v1/partner", member, nil).JSON(t); v["can_submit"] != false {
		t.Errorf("a member may submit: %v", v["can_submit"])
	}
	answers := map[string]any{"website": "https://globex.example", "regions": []string{"EMEA"}, "terms": true, "size": 3}
	bad := api.Do(t, "PUT", "/v1/partner/answers", admin, map[string]any{"answers": answers})
	wantStatus(t, bad, http.StatusBadRequest)
	if got := problemFields(t, bad); fmt.Sprint(got) != "[answers.size]" {
		t.Errorf("a number answer names %v", got)
	}
	delete(answers, "size")
	delete(answers, "website")
	missing := api.Do(t, "PUT", "/v1/partner/answers", admin, map[string]any{"answers": answers})
	wantStatus(t, missing, http.StatusBadRequest)
	if got := problemFields(t, missing); fmt.Sprint(got) != "[answers.website]" {
		t.Errorf("a missing answer names %v", got)
	}
	answers["website"] = "https://globex.example"
	wantStatus(t, api.Do(t, "PUT", "/v1/partner/answers", member, map[string]any{"answers": answers}), http.StatusForbidden)
	ok := api.Do(t, "PUT", "/v1/partner/answers", admin, map[string]any{"answers": answers})
	wantStatus(t, ok, http.StatusOK)
	if ok.JSON(t)["onboarding_status"] != "approved" {
		t.Errorf("after the answers the partner is %v", ok.JSON(t)["onboarding_status"])
	}
	wantStatus(t, api.Do(t, "PUT", "/v1/partner/answers", admin, map[string]any{"answers": answers}), http.StatusConflict)
}
