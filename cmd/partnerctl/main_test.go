package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// setUp points partnerctl at a fresh table of the emulators and
// bootstraps it.
func setUp(t *testing.T) {
	t.Helper()
	testenv.AWS(t)
	suffix := strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	t.Setenv("TABLE_NAME", "partnerctl-"+suffix+"-"+time.Now().Format("150405.000"))
	t.Setenv("POOL_NAME_PREFIX", "")
	t.Setenv("SECRET_KEY", "")
	t.Setenv("LOG_LEVEL", "warn")
	envFile := filepath.Join(t.TempDir(), "stack.env")
	out := runOK(t, "bootstrap", "--env-file", envFile)
	if !strings.Contains(out, "bootstrap: table") {
		t.Fatalf("bootstrap said: %s", out)
	}
	vars, err := readEnvFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"TABLE_NAME", "POOL_NAME_PREFIX", "SECRET_KEY", "SENDER_EMAIL"} {
		if vars[k] == "" {
			t.Errorf("%s missing from %s", k, envFile)
		}
	}
	// The commands below read what bootstrap wrote, as `make dev`'s next
	// command reads local/.stack.env.
	for k, v := range vars {
		t.Setenv(k, v)
	}
	// Bootstrap is idempotent: a second run keeps the table and the secret.
	again := runOK(t, "bootstrap", "--env-file", envFile)
	vars2, _ := readEnvFile(envFile)
	if vars2["TABLE_NAME"] != vars["TABLE_NAME"] || vars2["SECRET_KEY"] != vars["SECRET_KEY"] {
		t.Errorf("second bootstrap changed the stack: %s\n%v\n%v", again, vars, vars2)
	}
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("partnerctl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestTenantsKeysAndInvoke(t *testing.T) {
	setUp(t)
	var tenant map[string]string
	if err := json.Unmarshal([]byte(runOK(t, "tenant", "create", "--name", "Acme SaaS")), &tenant); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tenant["tenant_id"], "ten_") || !strings.HasPrefix(tenant["api_key"], "pik_") || tenant["role"] != "admin" ||
		tenant["user_pool_id"] == "" || tenant["user_pool_client_id"] == "" || !strings.HasSuffix(tenant["issuer"], "/"+tenant["user_pool_id"]) {
		t.Fatalf("tenant create printed %v", tenant)
	}
	var key map[string]string
	if err := json.Unmarshal([]byte(runOK(t, "key", "create", "--tenant", tenant["tenant_id"], "--name", "dashboard", "--role", "viewer")), &key); err != nil {
		t.Fatal(err)
	}
	if key["role"] != "viewer" || key["api_key"] == "" {
		t.Fatalf("key create printed %v", key)
	}
	runOK(t, "key", "revoke", "--tenant", tenant["tenant_id"], "--key-id", key["key_id"])
	var keys []map[string]string
	if err := json.Unmarshal([]byte(runOK(t, "key", "list", "--tenant", tenant["tenant_id"])), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0]["revoked_at"] != "" || keys[1]["revoked_at"] == "" || keys[0]["api_key"] != "" {
		t.Errorf("key list printed %v", keys)
	}

	// The sample events run through the real functions.
	out := runOK(t, "invoke", "authorizer", "../../events/authorizer.json")
	if !strings.Contains(out, `"auth_error"`) {
		t.Errorf("authorizer on the sample (unknown key): %s", out)
	}
	out = runOK(t, "invoke", "get-partner", "../../events/get-partner.json")
	if !strings.Contains(out, `"statusCode": 404`) {
		t.Errorf("get-partner on the sample (unknown tenant): %s", out)
	}
	out = runOK(t, "invoke", "record-email-event", "../../events/record-email-event.json")
	if !strings.Contains(out, `"outcome": "no_invitation"`) || !strings.Contains(out, `"kind": "bounce"`) {
		t.Errorf("record-email-event on the sample (an invitation not in this table): %s", out)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"invoke", "no-such-function", "../../events/get-partner.json"}, &stdout, &stderr); err == nil {
		t.Error("invoke of an unknown function succeeded")
	}
}

// syncBuffer is a bytes.Buffer safe to read while dev writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDevPrintsCurlLinesThatWork runs `partnerctl dev --demo` and then the
// curl commands it prints, as a newcomer would.
func TestDevPrintsCurlLinesThatWork(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	setUp(t)
	t.Setenv("PORT", "0")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"dev", "--demo"}, &stdout, &stderr) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev: %v", err)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "Press Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("dev printed no banner:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	commands := regexp.MustCompile(`(?s)\n  (curl .*?)\n\n`).FindAllStringSubmatch(stdout.String(), -1)
	if len(commands) != 3 {
		t.Fatalf("want 3 curl commands in:\n%s", stdout.String())
	}
	shell := func(cmd string) string {
		out, err := exec.Command("sh", "-c", cmd+" -w '\\n%{http_code}'").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		return string(out)
	}
	created := shell(commands[0][1])
	if !strings.HasSuffix(created, "\n201") || !strings.Contains(created, `"name":"Acme Resellers"`) {
		t.Errorf("create printed by dev: %s", created)
	}
	listed := shell(commands[1][1])
	if !strings.HasSuffix(listed, "\n200") || !strings.Contains(listed, `"name":"Acme Resellers"`) {
		t.Errorf("list printed by dev: %s", listed)
	}
	email := fmt.Sprintf("grace+%d@partner.example", time.Now().UnixNano())
	invited := shell(strings.Replace(commands[2][1], "grace@partner.example", email, 1))
	if !strings.HasSuffix(invited, "\n201") || !strings.Contains(invited, `"outcome":"created"`) {
		t.Errorf("invite printed by dev: %s", invited)
	}
	testenv.WaitForMail(t, email, 1, 10*time.Second)

	// The banner's test clock: 49 hours later the scheduler of dev marks
	// the invitation expired, and its event is listed.
	if !strings.Contains(stdout.String(), "partnerctl clock advance 49h") {
		t.Errorf("the banner does not mention the test clock:\n%s", stdout.String())
	}
	if out := runOK(t, "clock", "advance", "49h"); !strings.Contains(out, `"offset": "49h0m0s"`) {
		t.Errorf("clock advance printed %s", out)
	}
	defer runOK(t, "clock", "reset")
	listEvents := strings.Replace(commands[1][1], "/v1/partners", "/v1/events?type=invitation.expired", 1)
	deadline = time.Now().Add(30 * time.Second)
	for {
		out := shell(listEvents)
		if strings.Contains(out, `"type":"invitation.expired"`) && strings.Contains(out, email) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no invitation.expired event 30 s after the clock moved 49h: %s\n%s", out, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
