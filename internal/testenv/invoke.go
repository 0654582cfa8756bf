package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// Invoke runs a function with payload as Lambda's Invoke API would
// (RequestResponse), through the gateway: the function's own handler, built
// by its group with only its granted variables, its AWS calls checked
// against its grants. It returns the function's output; a function error
// fails the test.
func (api *API) Invoke(t testing.TB, function string, payload []byte) []byte {
	t.Helper()
	resp, err := http.Post(api.URL+"/2015-03-31/functions/"+function+"/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoke %s: %v", function, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke %s: %v", function, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invoke %s: %d %s", function, resp.StatusCode, out)
	}
	return out
}

// SESEvent is a sample SES event of events/ (an EventBridge envelope, e.g.
// "ses/bounce-permanent.json") made about one message of ours: its message
// id and its tenant_id and invitation_id tags replaced.
func SESEvent(t testing.TB, sample, messageID, tenantID, invitationID string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(t), "events", sample))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s: %v", sample, err)
	}
	detail, _ := env["detail"].(map[string]any)
	mail, _ := detail["mail"].(map[string]any)
	tags, _ := mail["tags"].(map[string]any)
	if tags == nil {
		t.Fatalf("%s has no detail.mail.tags", sample)
	}
	mail["messageId"] = messageID
	if ch, ok := mail["commonHeaders"].(map[string]any); ok {
		ch["messageId"] = messageID
	}
	tags["tenant_id"], tags["invitation_id"] = []string{tenantID}, []string{invitationID}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
