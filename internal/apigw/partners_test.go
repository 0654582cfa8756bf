package apigw_test

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite docs/api.md's route table")

var acme = map[string]any{
	"name": "Acme Resellers", "status": "active", "programs": []string{"reseller", "referral"},
	"country": "de", "city": "Berlin", "logo_url": "https://acme.example/logo.png",
	"primary_contact": map[string]any{
		"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Acme.example",
		"job_title": "Partner manager", "phone": "030 901820",
	},
}

func wantStatus(t *testing.T, r testenv.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

// problemFields returns the fields a problem+json names, sorted.
func problemFields(t *testing.T, r testenv.Response) []string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var fields []string
	errs, _ := r.JSON(t)["errors"].([]any)
	for _, e := range errs {
		fields = append(fields, e.(map[string]any)["field"].(string))
	}
	sort.Strings(fields)
	return fields
}

func TestCreateAndGetPartner(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Tenant A")
	created := api.Do(t, "POST", "/v1/partners", key, acme)
	wantStatus(t, created, http.StatusCreated)
	p := created.JSON(t)
	id := p["id"].(string)
	inv, ok := p["primary_contact_invitation"].(map[string]any)
	if !ok || inv["email"] != "Ada@Acme.example" {
		t.Fatalf("the primary contact was not invited: %v", p["primary_contact_invitation"])
	}
	delete(p, "primary_contact_invitation")
	contactUser := inv["user_id"]
	got := api.Do(t, "GET", "/v1/partners/"+id, key, nil)
	wantStatus(t, got, http.StatusOK)
	detail := got.JSON(t)
	wantCounts := map[string]any{
		"users":       map[string]any{"invited": float64(1), "active": float64(0), "disabled": float64(0)},
		"invitations": map[string]any{"pending": float64(1), "accepted": float64(0), "expired": float64(0), "revoked": float64(0), "declined": float64(0)},
	}
	if diff := cmp.Diff(wantCounts, detail["counts"]); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if detail["last_activity_at"] == nil {
		t.Error("the detail has no last_activity_at")
	}
	delete(detail, "counts")
	delete(detail, "last_activity_at")
	if diff := cmp.Diff(p, detail); diff != "" {
		t.Errorf("GET differs from POST (-post +get):\n%s", diff)
	}
	want := map[string]any{
		"object": "partner", "id": id, "name": "Acme Resellers", "status": "active", "onboarding_status": "approved",
		"programs": []any{"reseller", "referral"}, "country": "DE", "city": "Berlin",
		"logo_url": "https://acme.example/logo.png",
		"primary_contact": map[string]any{
			"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Acme.example",
			"job_title": "Partner manager", "phone": "+4930901820",
		},
		"grants":                []any{},
		"primary_admin_user_id": contactUser, "form_answers": []any{}, "form_submitted_at": nil,
		"reviewed_at": nil, "rejection_reason": nil, "portal_access": true,
		"created_at": p["created_at"], "updated_at": p["updated_at"],
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("created partner (-want +got):\n%s", diff)
	}

	invited := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": "Beta", "onboarding": "invite"})
	wantStatus(t, invited, http.StatusCreated)
	if got := invited.JSON(t); got["onboarding_status"] != "pending" || got["status"] != "prospect" || got["country"] != nil {
		t.Errorf("invited partner: %v", got)
	}
}

func TestInvalidInputNamesEveryField(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Tenant A")
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{
			name: "every field bad",
			body: map[string]any{
				"name": "", "status": "archived", "onboarding": "maybe", "programs": []string{"a", "A", ""},
				"country": "XX", "logo_url": "http://acme.example/logo.png",
				"primary_contact": map[string]any{"email": "nope", "phone": "123"},
			},
			status: 400,
			fields: []string{"country", "logo_url", "name", "onboarding", "primary_contact.email", "primary_contact.phone", "programs[1]", "programs[2]", "status"},
		},
		{
			name: "profile fields",
			body: map[string]any{
				"name": "", "status": "archived", "programs": []string{"a", "A", ""},
				"country": "XX", "city": string(make([]byte, 101)), "logo_url": "http://acme.example/logo.png",
				"primary_contact": map[string]any{"email": "nope", "phone": "123"},
			},
			status: 400,
			fields: []string{"city", "country", "logo_url", "name", "primary_contact.email", "primary_contact.phone", "programs[1]", "programs[2]", "status"},
		},
		{"missing contact email", map[string]any{"name": "A", "primary_contact": map[string]any{"first_name": "Ada"}}, 400, []string{"primary_contact.email"}},
		{"unknown field", map[string]any{"name": "A", "colour": "red"}, 400, []string{"colour"}},
		{"wrong type", map[string]any{"name": 42}, 400, []string{"name"}},
		{"wrong nested type", map[string]any{"name": "A", "primary_contact": map[string]any{"email": true}}, 400, []string{"primary_contact.email"}},
		{"not JSON", "{name:", 400, nil},
		{"array body", "[]", 400, nil},
		{"empty body", "", 400, nil},
		{"trailing data", `{"name":"A"} {}`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api.Do(t, "POST", "/v1/partners", key, tt.body)
			wantStatus(t, r, tt.status)
			if diff := cmp.Diff(tt.fields, problemFields(t, r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if p := r.JSON(t); p["type"] == "" || p["title"] == "" || p["status"] != float64(tt.status) || p["request_id"] == "" {
				t.Errorf("not a complete problem: %s", r.Body)
			}
		})
	}
	t.Run("form body", func(t *testing.T) {
		r := api.Do(t, "POST", "/v1/partners", key, `name=A`, "Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, r, http.StatusUnsupportedMediaType)
	})
	t.Run("limit out of range", func(t *testing.T) {
		for _, q := range []string{"limit=101", "limit=-1", "limit=ten", "status=archived"} {
			r := api.Do(t, "GET", "/v1/partners?"+q, key, nil)
			wantStatus(t, r, http.StatusBadRequest)
		}
	})
}

func TestAnotherTenantsPartnerIsNotFound(t *testing.T) {
	api := testenv.NewAPI(t)
	_, keyA := api.Tenant(t, "Tenant A")
	_, keyB := api.Tenant(t, "Tenant B")
	id := api.Do(t, "POST", "/v1/partners", keyA, acme).JSON(t)["id"].(string)

	for _, r := range []testenv.Response{
		api.Do(t, "GET", "/v1/partners/"+id, keyB, nil),
		api.Do(t, "PATCH", "/v1/partners/"+id, keyB, map[string]any{"name": "Stolen"}),
		api.Do(t, "GET", "/v1/partners/ptr_01JD0000000000000000000000", keyA, nil),
		api.Do(t, "GET", "/v1/partners/not-an-id", keyA, nil),
	} {
		wantStatus(t, r, http.StatusNotFound)
		problemFields(t, r)
	}
	list := api.Do(t, "GET", "/v1/partners", keyB, nil).JSON(t)
	if data := list["data"].([]any); len(data) != 0 {
		t.Errorf("tenant B lists tenant A's partners: %v", data)
	}
	if got := api.Do(t, "GET", "/v1/partners/"+id, keyA, nil).JSON(t)["name"]; got != "Acme Resellers" {
		t.Errorf("name after B's PATCH = %v", got)
	}
}

func TestRolesAndKeys(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, admin := api.Tenant(t, "Tenant A")
	_, viewer := api.Key(t, tenantID, partners.RoleViewer)
	_, manager := api.Key(t, tenantID, partners.RoleManager)
	revokedID, revoked := api.Key(t, tenantID, partners.RoleAdmin)
	if err := api.App.Tenants.RevokeAPIKey(t.Context(), tenantID, revokedID); err != nil {
		t.Fatal(err)
	}

	wantStatus(t, api.Do(t, "POST", "/v1/partners", manager, acme), http.StatusCreated)
	r := api.Do(t, "POST", "/v1/partners", viewer, acme)
	wantStatus(t, r, http.StatusForbidden)
	problemFields(t, r)
	id := api.Do(t, "GET", "/v1/partners", viewer, nil).JSON(t)["data"].([]any)[0].(map[string]any)["id"].(string)
	wantStatus(t, api.Do(t, "PATCH", "/v1/partners/"+id, viewer, map[string]any{"name": "X"}), http.StatusForbidden)
	wantStatus(t, api.Do(t, "GET", "/v1/partners/"+id, viewer, nil), http.StatusOK)

	for name, key := range map[string]string{"revoked": revoked, "unknown": "pik_" + "x0000000000000000000000000000000000000000000", "not ours": "sk_live_123"} {
		r := api.Do(t, "GET", "/v1/partners", key, nil)
		wantStatus(t, r, http.StatusUnauthorized)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s key: no WWW-Authenticate header", name)
		}
		problemFields(t, r)
	}
	// Without an Authorization header API Gateway itself answers 401.
	wantStatus(t, api.Do(t, "GET", "/v1/partners", "", nil), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partners", "", nil, "Authorization", "Basic YTpi"), http.StatusUnauthorized)
	wantStatus(t, api.Do(t, "GET", "/v1/partners", admin, nil), http.StatusOK)
}

func TestIdempotencyKey(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Tenant A")
	first := api.Do(t, "POST", "/v1/partners", key, acme, "Idempotency-Key", "create-acme")
	wantStatus(t, first, http.StatusCreated)
	replay := api.Do(t, "POST", "/v1/partners", key, acme, "Idempotency-Key", "create-acme")
	wantStatus(t, replay, http.StatusCreated)
	if string(replay.Body) != string(first.Body) || replay.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay differs:\n%s\n%s\nheaders %v", first.Body, replay.Body, replay.Header)
	}
	other := map[string]any{"name": "Other"}
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, other, "Idempotency-Key", "create-acme"), http.StatusUnprocessableEntity)

	// A failed request does not use up its key: the corrected request runs.
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": ""}, "Idempotency-Key", "fix-me"), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, other, "Idempotency-Key", "fix-me"), http.StatusCreated)

	// Twenty concurrent retries of one request create one partner.
	racer := map[string]any{"name": "Racer"}
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = api.Do(t, "POST", "/v1/partners", key, racer, "Idempotency-Key", "race").Status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusCreated && s != http.StatusConflict {
			t.Errorf("concurrent retry got %d", s)
		}
	}
	names := map[string]int{}
	for _, p := range api.Do(t, "GET", "/v1/partners?limit=100", key, nil).JSON(t)["data"].([]any) {
		names[p.(map[string]any)["name"].(string)]++
	}
	if diff := cmp.Diff(map[string]int{"Acme Resellers": 1, "Other": 1, "Racer": 1}, names); diff != "" {
		t.Errorf("partners (-want +got):\n%s", diff)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, acme, "Idempotency-Key", strings.Repeat("k", 300)), http.StatusBadRequest)
}

func TestListPagesWithCursor(t *testing.T) {
	api := testenv.NewAPI(t)
	_, keyA := api.Tenant(t, "Tenant A")
	_, keyB := api.Tenant(t, "Tenant B")
	for i := range 5 {
		status := "active"
		if i%2 == 0 {
			status = "prospect"
		}
		wantStatus(t, api.Do(t, "POST", "/v1/partners", keyA, map[string]any{"name": fmt.Sprint("P", i), "status": status}), http.StatusCreated)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners", keyB, map[string]any{"name": "B0"}), http.StatusCreated)

	var names []string
	path := "/v1/partners?limit=2"
	var cursor string
	for {
		page := api.Do(t, "GET", path, keyA, nil)
		wantStatus(t, page, http.StatusOK)
		body := page.JSON(t)
		for _, p := range body["data"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
		if body["has_more"] != true {
			if body["next_cursor"] != nil {
				t.Errorf("last page has next_cursor %v", body["next_cursor"])
			}
			break
		}
		cursor = body["next_cursor"].(string)
		path = "/v1/partners?limit=2&cursor=" + cursor
	}
	if diff := cmp.Diff([]string{"P4", "P3", "P2", "P1", "P0"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	prospects := api.Do(t, "GET", "/v1/partners?status=prospect&limit=2", keyA, nil).JSON(t)
	if n := len(prospects["data"].([]any)); n != 2 || prospects["has_more"] != true {
		t.Errorf("prospects page: %v", prospects)
	}

	first := api.Do(t, "GET", "/v1/partners?limit=1", keyA, nil).JSON(t)["next_cursor"].(string)
	for name, req := range map[string]struct{ key, query string }{
		"forged":         {keyA, "limit=1&cursor=eyJwayI6IlQjdGVuX0EifQ"},
		"another tenant": {keyB, "limit=1&cursor=" + first},
		"another query":  {keyA, "limit=1&status=active&cursor=" + first},
	} {
		r := api.Do(t, "GET", "/v1/partners?"+req.query, req.key, nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s cursor: status %d, want 400", name, r.Status)
			continue
		}
		if diff := cmp.Diff([]string{"cursor"}, problemFields(t, r)); diff != "" {
			t.Errorf("%s cursor fields (-want +got):\n%s", name, diff)
		}
	}
}

func TestPatchPartner(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Tenant A")
	p := api.Do(t, "POST", "/v1/partners", key, acme).JSON(t)
	id := p["id"].(string)

	r := api.Do(t, "PATCH", "/v1/partners/"+id, key, map[string]any{
		"name": "Acme Partners", "status": "inactive", "city": nil, "programs": []string{"distributor"},
		"primary_contact": map[string]any{"email": "grace@acme.example", "phone": "+1 415 555 2671"},
	})
	wantStatus(t, r, http.StatusOK)
	got := r.JSON(t)
	want := map[string]any{
		"name": "Acme Partners", "status": "inactive", "city": nil, "country": "DE",
		"programs":        []any{"distributor"},
		"primary_contact": map[string]any{"first_name": nil, "last_name": nil, "email": "grace@acme.example", "job_title": nil, "phone": "+14155552671"},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if got["created_at"] != p["created_at"] || got["updated_at"] == p["updated_at"] && got["updated_at"] == nil {
		t.Errorf("timestamps: created %v→%v updated %v", p["created_at"], got["created_at"], got["updated_at"])
	}
	cleared := api.Do(t, "PATCH", "/v1/partners/"+id, key, map[string]any{"primary_contact": nil, "logo_url": nil}).JSON(t)
	if cleared["primary_contact"] != nil || cleared["logo_url"] != nil || cleared["name"] != "Acme Partners" {
		t.Errorf("after clearing: %v", cleared)
	}

	bad := api.Do(t, "PATCH", "/v1/partners/"+id, key, map[string]any{
		"name": nil, "status": "gone", "country": "ZZ", "onboarding": "invite", "colour": "red", "programs": "x",
	})
	wantStatus(t, bad, http.StatusBadRequest)
	if diff := cmp.Diff([]string{"colour", "name", "onboarding", "programs"}, problemFields(t, bad)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	bad = api.Do(t, "PATCH", "/v1/partners/"+id, key, map[string]any{"status": "gone", "country": "ZZ"})
	if diff := cmp.Diff([]string{"country", "status"}, problemFields(t, bad)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func asError(err error, target **partners.Error) bool { return errors.As(err, target) }
