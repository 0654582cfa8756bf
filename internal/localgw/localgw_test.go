package localgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
)

var update = flag.Bool("update", false, "rewrite the sample events in events/ from the gateway")

const sampleKey = "pik_sample0000000000000000000000000000000000000"

// recorder stands in for the functions: it records the event each one
// receives and answers 200, and authorizes every request as tenant ten_SAMPLE.
type recorder struct {
	events     map[string]events.APIGatewayV2HTTPRequest
	authorizer events.APIGatewayV2CustomAuthorizerV2Request
}

func (rec *recorder) handlers() map[string]any {
	h := map[string]any{
		apigw.AuthorizerFunction: func(_ context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
			rec.authorizer = e
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{
				IsAuthorized: e.Headers["authorization"] == "Bearer "+sampleKey,
				Context:      map[string]any{"tenant_id": "ten_01JD00000000000000SAMPLE00", "key_id": "key_01JD00000000000000SAMPLE00", "role": "admin"},
			}, nil
		},
	}
	for _, r := range apigw.Routes {
		h[r.Function] = func(_ context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			rec.events[r.Function] = e
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
		}
	}
	return h
}

func newGateway(t *testing.T) (*localgw.Gateway, *recorder) {
	t.Helper()
	rec := &recorder{events: map[string]events.APIGatewayV2HTTPRequest{}}
	gw, err := localgw.New(apigw.Routes, rec.handlers(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	gw.Now = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }
	gw.RequestID = func() string { return "Vn5eSgpXoAMEbXA=" }
	return gw, rec
}

func sampleRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+target, rd)
	req.RemoteAddr = "127.0.0.1:53114"
	req.Header.Set("Authorization", "Bearer "+sampleKey)
	req.Header.Set("User-Agent", "curl/8.5.0")
	req.Header.Set("Accept", "*/*")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "sample-1")
	}
	return req
}

// TestEventsMatchSamples sends one request per route through the gateway and
// compares the event the function receives with events/<function>.json.
func TestEventsMatchSamples(t *testing.T) {
	requests := map[string]*http.Request{
		"create-partner":      sampleRequest("POST", "/v1/partners", `{"name":"Acme Resellers","status":"active","programs":["reseller"],"country":"DE","primary_contact":{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.example","phone":"+49 30 901820"}}`),
		"list-partners":       sampleRequest("GET", "/v1/partners?status=active&limit=2", ""),
		"get-partner":         sampleRequest("GET", "/v1/partners/ptr_01JD0000000000000000000001", ""),
		"update-partner":      sampleRequest("PATCH", "/v1/partners/ptr_01JD0000000000000000000001", `{"city":null,"status":"inactive"}`),
		"update-partner-user": sampleRequest("PATCH", "/v1/partners/ptr_01JD0000000000000000000001/users/usr_01JD0000000000000000000001", `{"portal_access":false}`),
		"remove-partner-user": sampleRequest("DELETE", "/v1/partners/ptr_01JD0000000000000000000001/users/usr_01JD0000000000000000000001", ""),
		"move-partner-user":   sampleRequest("POST", "/v1/partners/ptr_01JD0000000000000000000001/users/usr_01JD0000000000000000000001/move", `{"partner_id":"ptr_01JD0000000000000000000002"}`),
		"review-partner":      sampleRequest("POST", "/v1/partners/ptr_01JD0000000000000000000001/reject", `{"reason":"We only work with resellers in the EU."}`),
		"set-partner-grants": sampleRequest("PUT", "/v1/partners/ptr_01JD0000000000000000000001/grants",
			`{"grants":[{"resource_type":"dashboard","resource_id":"dash-42","permission":"view"}]}`),
		"invite-partner-user": sampleRequest("POST", "/v1/partners/ptr_01JD0000000000000000000001/users",
			`{"email":"ada@acme.example","first_name":"Ada","last_name":"Lovelace","phone":"+49 30 901820","job_title":"CTO","role":"admin"}`),
		"list-partner-users":   sampleRequest("GET", "/v1/partners/ptr_01JD0000000000000000000001/users?status=invited", ""),
		"invite-partner-users": sampleRequest("POST", "/v1/partners/ptr_01JD0000000000000000000001/invitations", `{"emails":"ada@acme.example, Grace Hopper <grace@acme.example>","role":"member"}`),
		"import-invitations": func() *http.Request {
			r := sampleRequest("POST", "/v1/partners/ptr_01JD0000000000000000000001/invitations/import?dry_run=true", "email,role\r\nada@acme.example,admin\r\n")
			r.Header.Set("Content-Type", "text/csv")
			return r
		}(),
		"get-invitations-sample": sampleRequest("GET", "/v1/invitations/sample.csv", ""),
		"get-import":             sampleRequest("GET", "/v1/imports/imp_01JD0000000000000000000001", ""),
		"accept-activation": func() *http.Request {
			r := sampleRequest("POST", "/activate/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB", "first_name=Ada&last_name=Lovelace&password=Correct-Horse-9&password_confirm=Correct-Horse-9&csrf=sample")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"renew-activation": func() *http.Request {
			r := sampleRequest("POST", "/activate/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB/renew", "csrf=sample")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"decline-activation": func() *http.Request {
			r := sampleRequest("POST", "/activate/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB/decline", "csrf=sample")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"partner-form": func() *http.Request {
			r := sampleRequest("POST", "/activate/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB/form", "answers.website=https%3A%2F%2Facme.example&answers.regions=EMEA&answers.regions=APAC&answers.terms=true&session=sample&session_expires=1764601200")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"forgot-password": func() *http.Request {
			r := sampleRequest("POST", "/forgot-password/ten_01JD0000000000000000000001", "email=ada%40globex.example")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"reset-password": func() *http.Request {
			r := sampleRequest("POST", "/reset-password/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB", "password=Correct-Horse-42&password_confirm=Correct-Horse-42&csrf=sample")
			r.Header.Del("Authorization")
			r.Header.Del("Idempotency-Key")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
		"create-activation": func() *http.Request {
			r := sampleRequest("POST", "/v1/activations", `{"token":"Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB","password":"Correct-Horse-9","first_name":"Ada"}`)
			r.Header.Del("Authorization")
			return r
		}(),
		"list-memberships":          sampleRequest("GET", "/v1/memberships/2f5ba0e4-7c1d-4d59-9b1e-6b0f6f1f2a10", ""),
		"get-identity":              sampleRequest("GET", "/v1/identity", ""),
		"partner-list-users":        sampleRequest("GET", "/v1/partner/users?status=active", ""),
		"partner-get":               sampleRequest("GET", "/v1/partner", ""),
		"partner-submit-answers":    sampleRequest("PUT", "/v1/partner/answers", `{"answers":{"website":"https://globex.example","regions":["EMEA","APAC"],"terms":true}}`),
		"partner-invite-user":       sampleRequest("POST", "/v1/partner/users", `{"email":"grace@acme.example","role":"member"}`),
		"partner-list-invitations":  sampleRequest("GET", "/v1/partner/invitations?status=pending", ""),
		"partner-resend-invitation": sampleRequest("POST", "/v1/partner/invitations/inv_01JD0000000000000000000001/resend", ""),
		"partner-revoke-invitation": sampleRequest("POST", "/v1/partner/invitations/inv_01JD0000000000000000000001/revoke", ""),
		"activation-page": func() *http.Request {
			r := sampleRequest("GET", "/activate/Xy3v0Qm8cT2b9kLpWz4nR7sD1fGhJ6aE5uVq0oIiYtB", "")
			r.Header.Del("Authorization")
			r.Header.Set("Accept", "text/html")
			return r
		}(),
		"list-invitations":  sampleRequest("GET", "/v1/invitations?status=pending&partner_id=ptr_01JD0000000000000000000001", ""),
		"get-invitation":    sampleRequest("GET", "/v1/invitations/inv_01JD0000000000000000000001", ""),
		"resend-invitation": sampleRequest("POST", "/v1/invitations/inv_01JD0000000000000000000001/resend", `{"send_email":true}`),
		"revoke-invitation": sampleRequest("POST", "/v1/invitations/inv_01JD0000000000000000000001/revoke", ""),
		"get-settings":      sampleRequest("GET", "/v1/settings", ""),
		"list-events":       sampleRequest("GET", "/v1/events?type=invitation.accepted&partner_id=ptr_01JD0000000000000000000001", ""),
		"update-settings":   sampleRequest("PUT", "/v1/settings", `{"invite_ttl_hours":72,"roles":["admin","member"],"branding":{"accent_color":"#2f6fed"}}`),
		"create-webhook-endpoint": sampleRequest("POST", "/v1/webhook-endpoints",
			`{"url":"https://hooks.acme.example/partner-invites","events":["invitation.accepted","partner_user.activated"],"description":"CRM sync"}`),
		"list-webhook-endpoints":  sampleRequest("GET", "/v1/webhook-endpoints", ""),
		"get-webhook-endpoint":    sampleRequest("GET", "/v1/webhook-endpoints/whe_01JD0000000000000000000001", ""),
		"update-webhook-endpoint": sampleRequest("PATCH", "/v1/webhook-endpoints/whe_01JD0000000000000000000001", `{"events":["*"],"disabled":false}`),
		"delete-webhook-endpoint": sampleRequest("DELETE", "/v1/webhook-endpoints/whe_01JD0000000000000000000001", ""),
		"rotate-webhook-secret":   sampleRequest("POST", "/v1/webhook-endpoints/whe_01JD0000000000000000000001/rotate-secret", ""),
		"list-webhook-deliveries": sampleRequest("GET", "/v1/webhook-endpoints/whe_01JD0000000000000000000001/deliveries?limit=10", ""),
		"retry-webhook-delivery":  sampleRequest("POST", "/v1/webhook-endpoints/whe_01JD0000000000000000000001/deliveries/whd_01JD0000000000000000000001/retry", ""),
	}
	for _, r := range apigw.Routes {
		if requests[r.Function] == nil {
			t.Errorf("no sample request for function %s", r.Function)
		}
	}
	gw, rec := newGateway(t)
	for fn, req := range requests {
		t.Run(fn, func(t *testing.T) {
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, req)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			compareSample(t, fn+".json", rec.events[fn])
		})
	}
	t.Run("authorizer", func(t *testing.T) {
		gw, rec := newGateway(t) // a fresh authorizer cache
		gw.ServeHTTP(httptest.NewRecorder(), sampleRequest("GET", "/v1/partners/ptr_01JD0000000000000000000001", ""))
		compareSample(t, "authorizer.json", rec.authorizer)
	})
}

func compareSample(t *testing.T, name string, got any) {
	t.Helper()
	path := filepath.Join("..", "..", "events", name)
	gotJSON, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, append(gotJSON, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/localgw -update to write it)", err)
	}
	var wantV, gotV any
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_ = json.Unmarshal(gotJSON, &gotV)
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("event differs from %s (-sample +gateway):\n%s", path, diff)
	}
}

func TestGatewayAnswersLikeAPIGateway(t *testing.T) {
	gw, rec := newGateway(t)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		body   string
	}{
		{"no route", sampleRequest("GET", "/v1/nothing", ""), 404, `{"message":"Not Found"}`},
		{"wrong method", sampleRequest("DELETE", "/v1/partners", ""), 404, `{"message":"Not Found"}`},
		{"no Authorization header", func() *http.Request {
			r := sampleRequest("GET", "/v1/partners", "")
			r.Header.Del("Authorization")
			return r
		}(), 401, `{"message":"Unauthorized"}`},
		{"authorizer denies", func() *http.Request {
			r := sampleRequest("GET", "/v1/partners", "")
			r.Header.Set("Authorization", "Bearer other")
			return r
		}(), 403, `{"message":"Forbidden"}`},
		{"too large", sampleRequest("POST", "/v1/partners", strings.Repeat("x", 10<<20+1)), 413, `{"message":"Request Entity Too Large"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, tt.req)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
	t.Run("binary body is base64", func(t *testing.T) {
		req := sampleRequest("POST", "/v1/partners", "")
		req.Body = io.NopCloser(bytes.NewReader([]byte{0xff, 0x00, 0x01}))
		req.ContentLength = 3
		req.Header.Set("Content-Type", "application/octet-stream")
		gw.ServeHTTP(httptest.NewRecorder(), req)
		e := rec.events["create-partner"]
		if !e.IsBase64Encoded || e.Body != "/wAB" {
			t.Errorf("body %q base64=%v", e.Body, e.IsBase64Encoded)
		}
	})
	t.Run("cookies and repeated query values", func(t *testing.T) {
		req := sampleRequest("GET", "/v1/partners?program=a&program=b", "")
		req.Header.Set("Cookie", "a=1; b=2")
		gw.ServeHTTP(httptest.NewRecorder(), req)
		e := rec.events["list-partners"]
		if diff := cmp.Diff([]string{"a=1", "b=2"}, e.Cookies); diff != "" {
			t.Errorf("cookies (-want +got):\n%s", diff)
		}
		if e.QueryStringParameters["program"] != "a,b" || e.RawQueryString != "program=a&program=b" {
			t.Errorf("query %v raw %q", e.QueryStringParameters, e.RawQueryString)
		}
	})
}
