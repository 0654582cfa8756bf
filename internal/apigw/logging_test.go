package apigw_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

func TestLogsNameTheRequestAndNeverTheKey(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Tenant A")
	wantStatus(t, api.Do(t, "POST", "/v1/partners", key, acme), http.StatusCreated)
	wantStatus(t, api.Do(t, "GET", "/v1/partners", key+"x", nil), http.StatusUnauthorized)

	logs := api.Logs.String()
	if strings.Contains(logs, key) || strings.Contains(logs, strings.TrimPrefix(key, "pik_")[:20]) {
		t.Fatalf("an API key appears in the logs:\n%s", logs)
	}
	var sawRequest bool
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if entry["msg"] == "request" && entry["status"] == float64(201) {
			sawRequest = true
			for k, want := range map[string]any{"route": "POST /v1/partners", "tenant_id": tenantID} {
				if entry[k] != want {
					t.Errorf("log %s = %v, want %v", k, entry[k], want)
				}
			}
			if entry["request_id"] == "" || entry["request_id"] == nil {
				t.Errorf("request log without request_id: %s", line)
			}
		}
	}
	if !sawRequest {
		t.Errorf("no request log line for the create:\n%s", logs)
	}
}
