package testenv

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// RouteTokenTrigger makes the sign-ins of a tenant's pool run this test's
// own issue-token-claims (on its table, through its gateway's Lambda Invoke
// API): cognito-local's trigger is one for all pools and goes to the local
// stack's relay (COGNITO_TRIGGER_RELAY_URL, local/stack.sh), which forwards
// by pool. Pools not routed get tokens without the claim, so tests not about
// claims are unaffected. The route is removed when the test ends.
func (api *API) RouteTokenTrigger(t testing.TB, tenantID string) {
	t.Helper()
	relay := os.Getenv("COGNITO_TRIGGER_RELAY_URL")
	if relay == "" {
		if os.Getenv("PI_REQUIRE_EMULATORS") == "1" {
			t.Fatal("COGNITO_TRIGGER_RELAY_URL is not set: start the emulators with local/stack.sh (it starts the trigger relay)")
		}
		t.Skip("COGNITO_TRIGGER_RELAY_URL is not set: run `make test` to start the emulators and the trigger relay")
	}
	pool := api.Pool(t, tenantID).ID
	relayRequest(t, http.MethodPut, relay+"/pools/"+pool, api.URL)
	t.Cleanup(func() { relayRequest(t, http.MethodDelete, relay+"/pools/"+pool, "") })
}

func relayRequest(t testing.TB, method, url, body string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("trigger relay: %v (is it running? local/stack.sh starts it)", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("trigger relay: %s %s: %d", method, url, resp.StatusCode)
	}
}
