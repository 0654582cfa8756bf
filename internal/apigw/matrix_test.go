package apigw_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// The tenant-isolation matrix: every route of apigw.Routes that a tenant's
// key or a partner user's ID token may call, tried by every kind of caller.
// The rows are keyed by route, and a route without a row fails the test, so
// that whoever adds a route writes down who may call it.

// matrixCase is one kind of caller.
type matrixCase string

// The kinds of caller, in the order the matrix tries them. Every request is
// made as tenant A (or as nobody); B is the stranger whose data must never
// show.
const (
	// Own ids, with an admin key (tenant routes) or a partner admin's ID
	// token (partner routes): the cell that proves the request is a valid
	// one, so that a 404 in the cells below is the isolation's and not a
	// validation error's.
	caseOwn matrixCase = "own"
	// B's ids with A's credentials.
	caseOtherTenant matrixCase = "other tenant's id"
	// Another partner's user or invitation of the same tenant, under the
	// partner the path names (tenant routes) or the partner user's own
	// partner (partner routes).
	caseOtherPartner matrixCase = "other partner's id"
	// Well-formed ids that nobody made.
	caseForged matrixCase = "forged id"
	// Ids that are not ids at all.
	caseMalformed matrixCase = "malformed id"
	// No Authorization header.
	caseNoKey matrixCase = "no key"
	// A's revoked API key (tenant routes); the ID token of a partner user
	// whose membership is disabled (partner routes).
	caseRevoked matrixCase = "revoked key"
	// A's viewer key (tenant routes); a partner member's ID token (partner
	// routes): refused on writes, let read.
	caseViewer matrixCase = "viewer key"
	// A's partner admin's ID token a day after it was issued.
	caseExpiredToken matrixCase = "expired ID token"
	// A real ID token of a Cognito pool that is no tenant's.
	caseForeignToken matrixCase = "foreign-pool ID token"
)

var matrixCases = []matrixCase{caseOwn, caseOtherTenant, caseOtherPartner, caseForged, caseMalformed, caseNoKey, caseRevoked, caseViewer, caseExpiredToken, caseForeignToken}

// notApplicable marks a cell that has nothing to try: an id case on a route
// that names no id.
const notApplicable = 0

// matrixRow is how to call one route, and what it answers its own caller.
// Placeholders in path and body name the fixtures: {partner} (a partner),
// {partner2} (another partner of the same tenant), {user} and {invitation}
// (a pending invitation of {partner} and its user), {import}, {endpoint},
// {delivery} (one of the endpoint's deliveries), {sub} (an active login of
// {partner}). The cases substitute these; {own.partner2} is the caller's own
// in every case (a move's target: the path's ids are what is tried), and
// {receiver} the tests' webhook receiver.
type matrixRow struct {
	path        string
	body        string
	contentType string // application/json when there is a body, unless set
	own         int    // what the own caller gets
	// fresh rows change what they touch for good (delete, revoke, move,
	// review): their own cell gets a partner, user, invitation and endpoint
	// made for it, so that the other rows still find theirs.
	fresh bool
	// expect overrides the rule (matrixExpected) for the cases it names,
	// each with a reason in a comment.
	expect map[matrixCase]int
}

// matrixSettings are both tenants' settings: a partner form with one
// optional question, so that {"answers":{}} completes it (and review, so
// that the partner stays in_review after it).
const matrixSettings = `{"roles":["admin","member"],"partner_form":{"questions":[{"key":"website","label":"Website","type":"url","required":false}],"review_required":true}}`

// matrixRows are the routes' rows, keyed by route key.
var matrixRows = map[string]matrixRow{
	"POST /v1/partners":                                              {path: "/v1/partners", body: `{"name":"Matrix Partner"}`, own: http.StatusCreated},
	"GET /v1/partners":                                               {path: "/v1/partners?limit=100", own: http.StatusOK},
	"GET /v1/partners/{id}":                                          {path: "/v1/partners/{partner}", own: http.StatusOK},
	"PATCH /v1/partners/{id}":                                        {path: "/v1/partners/{partner}", body: `{"city":"Leeds"}`, own: http.StatusOK},
	"PUT /v1/partners/{id}/grants":                                   {path: "/v1/partners/{partner}/grants", body: `{"grants":[{"resource_type":"dashboard","resource_id":"d-1","permission":"view"}]}`, own: http.StatusOK},
	"POST /v1/partners/{id}/approve":                                 {path: "/v1/partners/{partner}/approve", body: `{}`, own: http.StatusOK, fresh: true},
	"POST /v1/partners/{id}/reject":                                  {path: "/v1/partners/{partner}/reject", body: `{"reason":"Not a fit."}`, own: http.StatusOK, fresh: true},
	"POST /v1/partners/{id}/users":                                   {path: "/v1/partners/{partner}/users", body: `{"email":"matrix-one@matrix.example","role":"member","send_email":false}`, own: http.StatusCreated},
	"GET /v1/partners/{id}/users":                                    {path: "/v1/partners/{partner}/users", own: http.StatusOK},
	"PATCH /v1/partners/{id}/users/{uid}":                            {path: "/v1/partners/{partner}/users/{user}", body: `{"role":"admin"}`, own: http.StatusOK},
	"DELETE /v1/partners/{id}/users/{uid}":                           {path: "/v1/partners/{partner}/users/{user}", own: http.StatusOK, fresh: true},
	"POST /v1/partners/{id}/users/{uid}/move":                        {path: "/v1/partners/{partner}/users/{user}/move", body: `{"partner_id":"{own.partner2}"}`, own: http.StatusOK, fresh: true},
	"POST /v1/partners/{id}/invitations":                             {path: "/v1/partners/{partner}/invitations", body: `{"emails":"matrix-two@matrix.example","role":"member","send_email":false}`, own: http.StatusOK},
	"POST /v1/partners/{id}/invitations/import":                      {path: "/v1/partners/{partner}/invitations/import?dry_run=true", body: "email,role\nmatrix-three@matrix.example,member\n", contentType: "text/csv", own: http.StatusOK},
	"GET /v1/imports/{id}":                                           {path: "/v1/imports/{import}", own: http.StatusOK},
	"GET /v1/invitations/sample.csv":                                 {path: "/v1/invitations/sample.csv", own: http.StatusOK},
	"GET /v1/invitations":                                            {path: "/v1/invitations?limit=100&partner_id={partner}", own: http.StatusOK, expect: filterByPartner},
	"GET /v1/invitations/{id}":                                       {path: "/v1/invitations/{invitation}", own: http.StatusOK},
	"POST /v1/invitations/{id}/resend":                               {path: "/v1/invitations/{invitation}/resend", body: `{"send_email":false}`, own: http.StatusOK},
	"POST /v1/invitations/{id}/revoke":                               {path: "/v1/invitations/{invitation}/revoke", own: http.StatusOK, fresh: true},
	"GET /v1/settings":                                               {path: "/v1/settings", own: http.StatusOK},
	"PUT /v1/settings":                                               {path: "/v1/settings", body: matrixSettings, own: http.StatusOK},
	"GET /v1/memberships/{sub}":                                      {path: "/v1/memberships/{sub}", own: http.StatusOK},
	"GET /v1/events":                                                 {path: "/v1/events?limit=100&partner_id={partner}", own: http.StatusOK, expect: filterByPartner},
	"POST /v1/webhook-endpoints":                                     {path: "/v1/webhook-endpoints", body: `{"url":"{receiver}","events":["*"]}`, own: http.StatusCreated},
	"GET /v1/webhook-endpoints":                                      {path: "/v1/webhook-endpoints", own: http.StatusOK},
	"GET /v1/webhook-endpoints/{id}":                                 {path: "/v1/webhook-endpoints/{endpoint}", own: http.StatusOK},
	"PATCH /v1/webhook-endpoints/{id}":                               {path: "/v1/webhook-endpoints/{endpoint}", body: `{"description":"matrix"}`, own: http.StatusOK},
	"DELETE /v1/webhook-endpoints/{id}":                              {path: "/v1/webhook-endpoints/{endpoint}", own: http.StatusOK, fresh: true},
	"POST /v1/webhook-endpoints/{id}/rotate-secret":                  {path: "/v1/webhook-endpoints/{endpoint}/rotate-secret", own: http.StatusOK},
	"GET /v1/webhook-endpoints/{id}/deliveries":                      {path: "/v1/webhook-endpoints/{endpoint}/deliveries", own: http.StatusOK},
	"POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry": {path: "/v1/webhook-endpoints/{endpoint}/deliveries/{delivery}/retry", own: http.StatusAccepted},
	"GET /v1/identity":                                               {path: "/v1/identity", own: http.StatusOK},
	"GET /v1/partner":                                                {path: "/v1/partner", own: http.StatusOK},
	"PUT /v1/partner/answers":                                        {path: "/v1/partner/answers", body: `{"answers":{}}`, own: http.StatusOK},
	"GET /v1/partner/users":                                          {path: "/v1/partner/users?partner_id={partner}", own: http.StatusOK, expect: ownPartnerOnly},
	"POST /v1/partner/users":                                         {path: "/v1/partner/users", body: `{"email":"matrix-four@matrix.example","role":"member"}`, own: http.StatusCreated},
	"GET /v1/partner/invitations":                                    {path: "/v1/partner/invitations?limit=100&partner_id={partner}", own: http.StatusOK, expect: ownPartnerOnly},
	"POST /v1/partner/invitations/{id}/resend":                       {path: "/v1/partner/invitations/{invitation}/resend", own: http.StatusOK},
	"POST /v1/partner/invitations/{id}/revoke":                       {path: "/v1/partner/invitations/{invitation}/revoke", own: http.StatusOK, fresh: true},
}

// filterByPartner is a list filtered by a partner id: a partner that is
// not the tenant's matches nothing, the same for another tenant's as for a
// forged one (no oracle), and a malformed id is a 400 naming partner_id.
var filterByPartner = map[matrixCase]int{caseOtherTenant: http.StatusOK, caseForged: http.StatusOK, caseMalformed: http.StatusBadRequest}

// ownPartnerOnly is a partner user's list: the query cannot name another
// partner (partner_id is ignored), so every id case lists the caller's own
// partner, which the body check holds to showing nothing else.
var ownPartnerOnly = map[matrixCase]int{caseOtherTenant: http.StatusOK, caseOtherPartner: http.StatusOK, caseForged: http.StatusOK, caseMalformed: http.StatusOK}

// outsideTheMatrix are the routes no key or ID token opens: their link's
// token, or the tenant id of a public page, is the credential, and their
// own tests try the wrong ones.
var outsideTheMatrix = map[apigw.Auth]string{
	apigw.AuthNone: "public: the link's token is the credential (TestDeadLinksSayWhatHappened, TestActivationsAsJSON, the password reset tests)",
}

var placeholderRE = regexp.MustCompile(`\{[a-z0-9.]+\}`)

// matrixExpected is the rule, written once, of what each kind of caller
// gets; a row's expect overrides it. The second result is false when the
// cell has nothing to try.
func matrixExpected(r apigw.Route, row matrixRow, c matrixCase) (int, bool) {
	if s, ok := row.expect[c]; ok {
		return s, s != notApplicable
	}
	var names []string // the ids a case substitutes
	for _, n := range placeholderRE.FindAllString(row.path+row.body, -1) {
		if n != "{receiver}" && !strings.HasPrefix(n, "{own.") {
			names = append(names, n)
		}
	}
	write := r.Permission != partners.PermRead
	partnerRoute := r.Auth == apigw.AuthPartnerToken
	switch c {
	case caseOwn:
		return row.own, true
	case caseOtherTenant, caseForged, caseMalformed:
		// Another tenant's ids are answered exactly like unknown ids, and
		// a malformed id is an unknown one (docs/api.md: 404).
		return http.StatusNotFound, len(names) > 0
	case caseOtherPartner:
		// A partner user's ids of another partner are 404; a tenant's key
		// reaches all its partners, so only a child named under the wrong
		// partner is one.
		child := slices.Contains(names, "{user}") || slices.Contains(names, "{invitation}")
		if partnerRoute {
			return http.StatusNotFound, len(names) > 0
		}
		return http.StatusNotFound, child && slices.Contains(names, "{partner}")
	case caseNoKey, caseExpiredToken, caseForeignToken:
		return http.StatusUnauthorized, true
	case caseRevoked:
		if partnerRoute {
			// A real token whose membership is no longer active (docs/api.md).
			return http.StatusForbidden, true
		}
		return http.StatusUnauthorized, true
	case caseViewer:
		if write {
			return http.StatusForbidden, true
		}
		return row.own, true
	}
	panic("unknown case " + c)
}

// matrixTenant is one tenant's fixtures.
type matrixTenant struct {
	id, admin, viewer, revoked string
	// ids maps each placeholder to this tenant's fixture.
	ids map[string]string
	// otherPartner maps {user} and {invitation} (and, for partner routes,
	// {partner}) to those of {partner2}.
	otherPartner map[string]string
	// markers are strings that only this tenant's data holds.
	markers []string
	// otherPartnerMarkers only {partner2}'s data holds.
	otherPartnerMarkers []string
	// ID tokens of people of {partner}: its admin, a member, a member whose
	// membership is disabled.
	adminToken, memberToken, disabledToken string
}

func newMatrixTenant(t *testing.T, api *testenv.API, name string, receiver string) *matrixTenant {
	t.Helper()
	tt := &matrixTenant{ids: map[string]string{}, otherPartner: map[string]string{}}
	tt.id, tt.admin = api.Tenant(t, name)
	_, tt.viewer = api.Key(t, tt.id, partners.RoleViewer)
	revokedID, revoked := api.Key(t, tt.id, partners.RoleAdmin)
	if err := api.App.Tenants.RevokeAPIKey(t.Context(), tt.id, revokedID); err != nil {
		t.Fatal(err)
	}
	tt.revoked = revoked
	wantStatus(t, api.Do(t, "PUT", "/v1/settings", tt.admin, matrixSettings), http.StatusOK)
	// The endpoint first, so that the partners' events give it deliveries.
	endpoint, _ := newEndpoint(t, api, tt.admin, receiver)
	tt.ids["{endpoint}"] = endpoint
	tt.markers = append(tt.markers, tt.id, name, endpoint)

	partnerName := name + " Reseller"
	tt.ids["{partner}"] = pendingPartner(t, api, tt.admin, partnerName)
	tt.ids["{partner2}"] = newPartner(t, api, tt.admin, name+" Distributor")
	tt.markers = append(tt.markers, partnerName, tt.ids["{partner}"], tt.ids["{partner2}"])
	tt.otherPartnerMarkers = append(tt.otherPartnerMarkers, name+" Distributor", tt.ids["{partner2}"])

	invite := func(pid string) (userID, invID, email string) {
		email = uniqueEmail(t, "pending")
		r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", tt.admin, map[string]any{"email": email, "role": "member", "send_email": false})
		wantStatus(t, r, http.StatusCreated)
		inv := invitation(t, r)
		return inv["user_id"].(string), inv["id"].(string), email
	}
	var email string
	tt.ids["{user}"], tt.ids["{invitation}"], email = invite(tt.ids["{partner}"])
	tt.markers = append(tt.markers, tt.ids["{user}"], tt.ids["{invitation}"], email)
	tt.otherPartner["{user}"], tt.otherPartner["{invitation}"], email = invite(tt.ids["{partner2}"])
	tt.otherPartner["{partner}"] = tt.ids["{partner2}"]
	tt.markers = append(tt.markers, tt.otherPartner["{user}"], tt.otherPartner["{invitation}"], email)
	tt.otherPartnerMarkers = append(tt.otherPartnerMarkers, tt.otherPartner["{user}"], tt.otherPartner["{invitation}"], email)

	var adminUser, sub string
	tt.adminToken, adminUser, sub = partnerLogin(t, api, tt.admin, tt.ids["{partner}"], "admin")
	tt.ids["{sub}"] = sub
	tt.markers = append(tt.markers, adminUser, sub)
	tt.memberToken, _, _ = partnerLogin(t, api, tt.admin, tt.ids["{partner}"], "member")
	var disabledSub string
	tt.disabledToken, _, disabledSub = partnerLogin(t, api, tt.admin, tt.ids["{partner}"], "member")
	disableMembership(t, api, partners.Membership{Sub: disabledSub, TenantID: tt.id, PartnerID: tt.ids["{partner}"]})

	imp := api.Do(t, "POST", "/v1/partners/"+tt.ids["{partner}"]+"/invitations/import?async=true&send_email=false", tt.admin,
		"email,role\n"+uniqueEmail(t, "imported")+",member\n", "Content-Type", "text/csv")
	wantStatus(t, imp, http.StatusAccepted)
	tt.ids["{import}"] = imp.JSON(t)["id"].(string)
	tt.markers = append(tt.markers, tt.ids["{import}"])

	waitFor(t, "a webhook delivery", func() bool { return len(deliveries(t, api, tt.admin, endpoint)) > 0 })
	tt.ids["{delivery}"] = deliveries(t, api, tt.admin, endpoint)[0]["id"].(string)
	tt.markers = append(tt.markers, tt.ids["{delivery}"])
	return tt
}

// fresh returns the ids of the own cell of a fresh row: a new pending
// invitation (and its user) in a new partner (tenant routes) or in the
// partner user's own (partner routes), and a new endpoint.
func (tt *matrixTenant) fresh(t *testing.T, api *testenv.API, partnerRoute bool, receiver string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for k, v := range tt.ids {
		ids[k] = v
	}
	if !partnerRoute {
		ids["{partner}"] = pendingPartner(t, api, tt.admin, "Fresh Partner")
	}
	r := api.Do(t, "POST", "/v1/partners/"+ids["{partner}"]+"/users", tt.admin, map[string]any{"email": uniqueEmail(t, "fresh"), "role": "member", "send_email": false})
	wantStatus(t, r, http.StatusCreated)
	inv := invitation(t, r)
	ids["{user}"], ids["{invitation}"] = inv["user_id"].(string), inv["id"].(string)
	ids["{endpoint}"], _ = newEndpoint(t, api, tt.admin, receiver)
	return ids
}

// pendingPartner makes a partner that waits for its form (onboarding
// "invite"): one that /approve, /reject and the answers can act on.
func pendingPartner(t *testing.T, api *testenv.API, key, name string) string {
	t.Helper()
	r := api.Do(t, "POST", "/v1/partners", key, map[string]any{"name": name, "onboarding": "invite"})
	wantStatus(t, r, http.StatusCreated)
	return r.JSON(t)["id"].(string)
}

// forgedIDs are well-formed ids that nobody made.
func forgedIDs() map[string]string {
	u := func(prefix string) string { return prefix + ulid.MustNew(ulid.Now(), rand.Reader).String() }
	return map[string]string{
		"{partner}": u("ptr_"), "{partner2}": u("ptr_"), "{user}": u("usr_"), "{invitation}": u("inv_"),
		"{import}": u("imp_"), "{endpoint}": u("whe_"), "{delivery}": u("whd_"), "{sub}": "3f1c2a8e-5b7d-4e0f-9a61-2c4b8d7e6f10",
	}
}

// malformedIDs are not ids of any kind.
func malformedIDs() map[string]string {
	m := map[string]string{}
	for k := range forgedIDs() {
		m[k] = "not-an-id"
	}
	return m
}

func substitute(s string, ids ...map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(name string) string {
		for _, m := range ids {
			if v, ok := m[name]; ok {
				return v
			}
		}
		return name
	})
}

// TestIsolationMatrix tries every tenant and partner-admin route with every
// kind of caller, and fails on any cell whose status differs from the one
// written down, on any error answer that is not problem+json, and on any
// body that shows tenant B's data (or, to a partner user, another
// partner's). A leak is a 2xx where a refusal was due, or such a body.
func TestIsolationMatrix(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	api := testenv.NewAPIWithOptionsAndConsumers(t, app.Options{Clock: clock}, []string{apigw.PublishEventsFunction})
	receiver := testenv.NewReceiver(t)
	a := newMatrixTenant(t, api, "Alpha Matrix", receiver.URL)
	b := newMatrixTenant(t, api, "Bravo Matrix", receiver.URL)
	foreignToken := strangerPoolToken(t, api)

	// Every route has its row, or a reason to have none.
	for _, r := range apigw.Routes {
		if _, ok := matrixRows[r.Key()]; !ok && outsideTheMatrix[r.Auth] == "" {
			t.Errorf("route %s has no row in matrixRows: write down how to call it and what each caller gets", r.Key())
		}
	}
	for key := range matrixRows {
		if _, ok := routeOf(key); !ok {
			t.Errorf("matrixRows has a row for %s, which is no route", key)
		}
	}
	if t.Failed() {
		return
	}

	routes, cells, leaks, skipped := 0, 0, 0, 0
	var grid strings.Builder
	for _, r := range apigw.Routes {
		row, ok := matrixRows[r.Key()]
		if !ok {
			continue
		}
		routes++
		partnerRoute := r.Auth == apigw.AuthPartnerToken
		fmt.Fprintf(&grid, "%-62s", r.Key())
		for _, c := range order(matrixCases) {
			want, applicable := matrixExpected(r, row, c)
			if !applicable {
				skipped++
				fmt.Fprintf(&grid, " %3s", "-")
				continue
			}
			cells++
			ids := []map[string]string{a.ids}
			credential := a.admin
			if partnerRoute {
				credential = a.adminToken
			}
			switch c {
			case caseOwn:
				if row.fresh {
					ids = []map[string]string{a.fresh(t, api, partnerRoute, receiver.URL)}
				}
			case caseOtherTenant:
				ids = []map[string]string{b.ids}
			case caseOtherPartner:
				if partnerRoute {
					ids = []map[string]string{a.otherPartner, a.ids}
				} else {
					ids = []map[string]string{{"{user}": a.otherPartner["{user}"], "{invitation}": a.otherPartner["{invitation}"]}, a.ids}
				}
			case caseForged:
				ids = []map[string]string{forgedIDs()}
			case caseMalformed:
				ids = []map[string]string{malformedIDs()}
			case caseNoKey:
				credential = ""
			case caseRevoked:
				credential = a.revoked
				if partnerRoute {
					credential = a.disabledToken
				}
			case caseViewer:
				credential = a.viewer
				if partnerRoute {
					credential = a.memberToken
				}
			case caseExpiredToken:
				credential = a.adminToken
			case caseForeignToken:
				credential = foreignToken
			}
			// {own.…} names the caller's own fixture in every cell, and
			// {receiver} the tests' webhook receiver.
			ids = append(ids, map[string]string{"{own.partner2}": a.ids["{partner2}"], "{receiver}": receiver.URL})
			path, body := substitute(row.path, ids...), substitute(row.body, ids...)
			var headers []string
			if row.contentType != "" {
				headers = []string{"Content-Type", row.contentType}
			}
			var reqBody any
			if body != "" {
				reqBody = body
			}
			if c == caseExpiredToken {
				clock.Advance(25 * time.Hour) // cognito-local's ID tokens last 24 h
			}
			resp := api.Do(t, r.Method, path, credential, reqBody, headers...)
			if c == caseExpiredToken {
				clock.Advance(-25 * time.Hour)
			}
			fmt.Fprintf(&grid, " %3d", resp.Status)

			leak := ""
			refused := want == http.StatusNotFound || want == http.StatusUnauthorized || want == http.StatusForbidden
			if refused && resp.Status/100 == 2 {
				leak = fmt.Sprintf("answered %d where %d was due", resp.Status, want)
			}
			markers := slices.Clone(b.markers)
			if partnerRoute {
				markers = append(markers, a.otherPartnerMarkers...)
			}
			for _, m := range markers {
				// The ids the request itself names may come back in the
				// problem's instance.
				if m != "" && !strings.Contains(path+body, m) && strings.Contains(string(resp.Body), m) {
					leak = fmt.Sprintf("the body shows %q, which is not the caller's", m)
				}
			}
			if leak != "" {
				leaks++
				t.Errorf("LEAK %s %s (%s): %s\n%s", r.Method, path, c, leak, resp.Body)
				continue
			}
			if resp.Status != want {
				t.Errorf("%s %s (%s): status %d, want %d\n%s", r.Method, path, c, resp.Status, want, resp.Body)
			}
			// API Gateway answers a missing key itself, before any function.
			gateway := c == caseNoKey && r.Auth == apigw.AuthAPIKey
			if ct := resp.Header.Get("Content-Type"); resp.Status >= 400 && !gateway && ct != "application/problem+json" {
				t.Errorf("%s %s (%s): %d with Content-Type %q, want application/problem+json", r.Method, path, c, resp.Status, ct)
			}
		}
		grid.WriteString("\n")
	}
	header := "cases:"
	for _, c := range order(matrixCases) {
		header += " | " + string(c)
	}
	summary := fmt.Sprintf("matrix: %d routes × %d cases = %d cells (%d applicable, %d not: no id to substitute), %d leaks",
		routes, len(matrixCases), routes*len(matrixCases), cells, skipped, leaks)
	// go test shows a passing test's output only with -v: the matrix is
	// also kept in test-artifacts/ for whoever reviews a run.
	report := summary + "\n" + header + "\n" + grid.String()
	dir := filepath.Join(testenv.RepoRoot(t), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "isolation-matrix.txt"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(report)
}

// order is the order a route's cells run in: the own cell last, since an
// ordinary write changes its fixture (a fresh row's changes only what was
// made for it).
func order(cases []matrixCase) []matrixCase {
	return append(slices.Clone(cases[1:]), cases[0])
}

func routeOf(key string) (apigw.Route, bool) {
	for _, r := range apigw.Routes {
		if r.Key() == key {
			return r, true
		}
	}
	return apigw.Route{}, false
}
