package triggerrelay

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func put(t *testing.T, relay, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, relay+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT %s: %d", path, resp.StatusCode)
	}
}

func TestTheRelayRoutesByPool(t *testing.T) {
	target := func(answer string, fnErr string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/2015-03-31/functions/issue-token-claims/invocations" {
				http.NotFound(w, r)
				return
			}
			if fnErr != "" {
				w.Header().Set("X-Amz-Function-Error", fnErr)
			}
			io.WriteString(w, answer)
		}))
	}
	claims := target(`{"claims":"pool A"}`, "")
	defer claims.Close()
	failing := target(`{"errorMessage":"no active membership"}`, "Unhandled")
	defer failing.Close()
	fallback := target(`{"claims":"fallback"}`, "")
	defer fallback.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	relay := httptest.NewServer(New(slog.New(slog.DiscardHandler)))
	defer relay.Close()
	put(t, relay.URL, "/pools/pool-a", claims.URL)
	put(t, relay.URL, "/pools/pool-refused", failing.URL)
	put(t, relay.URL, "/pools/pool-gone", gone.URL)

	event := func(pool string) string {
		return `{"userPoolId":"` + pool + `","response":{"claimsOverrideDetails":{}}}`
	}
	tests := []struct {
		name, pool, fallback string
		wantStatus           int
		wantBody, wantFnErr  string
	}{
		{"a registered pool's handler answers", "pool-a", "", 200, `{"claims":"pool A"}`, ""},
		{"its error reaches cognito-local", "pool-refused", "", 200, `{"errorMessage":"no active membership"}`, "Unhandled"},
		{"a registered pool whose handler is gone fails", "pool-gone", "", 502, "trigger target unreachable\n", ""},
		{"an unregistered pool, no fallback: the event unchanged", "pool-other", "", 200, event("pool-other"), ""},
		{"an unregistered pool goes to the fallback", "pool-other", fallback.URL, 200, `{"claims":"fallback"}`, ""},
		{"a fallback that is gone: the event unchanged", "pool-other", gone.URL, 200, event("pool-other"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fallback != "" {
				put(t, relay.URL, "/fallback", tt.fallback)
				defer func() {
					req, _ := http.NewRequest(http.MethodDelete, relay.URL+"/fallback", nil)
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						resp.Body.Close()
					}
				}()
			}
			resp, err := http.Post(relay.URL+"/2015-03-31/functions/issue-token-claims/invocations", "application/json", strings.NewReader(event(tt.pool)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody || resp.Header.Get("X-Amz-Function-Error") != tt.wantFnErr {
				t.Errorf("got %d %q (function error %q), want %d %q (%q)", resp.StatusCode, body,
					resp.Header.Get("X-Amz-Function-Error"), tt.wantStatus, tt.wantBody, tt.wantFnErr)
			}
		})
	}
}
