package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

func newRuntime(t *testing.T) *Runtime {
	t.Helper()
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

func post(t *testing.T, url, body string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestRuntimeServesOneEventAndRecordsItsResponse(t *testing.T) {
	rt := newRuntime(t)
	base := "http://" + rt.Addr + "/2018-06-01/runtime/"
	inv := rt.Serve("get-partner", []byte(`{"hello":1}`))

	resp, err := http.Get(base + "invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"hello":1}` {
		t.Fatalf("next: %d %s", resp.StatusCode, body)
	}
	h := resp.Header
	if h.Get("Lambda-Runtime-Aws-Request-Id") != inv.ID || !strings.HasSuffix(h.Get("Lambda-Runtime-Invoked-Function-Arn"), ":function:get-partner") ||
		!strings.HasPrefix(h.Get("Lambda-Runtime-Trace-Id"), "Root=1-") {
		t.Errorf("headers: %v", h)
	}
	if ms, err := strconv.ParseInt(h.Get("Lambda-Runtime-Deadline-Ms"), 10, 64); err != nil || time.UnixMilli(ms).Before(time.Now()) {
		t.Errorf("deadline %q is not in the future", h.Get("Lambda-Runtime-Deadline-Ms"))
	}
	if inv.Next.IsZero() {
		t.Error("the first /next was not recorded")
	}

	if code := post(t, base+"invocation/not-this-one/response", `"x"`); code != http.StatusBadRequest {
		t.Errorf("response to an unknown id: %d", code)
	}
	if code := post(t, base+"invocation/"+inv.ID+"/response", `"done"`); code != http.StatusAccepted {
		t.Fatalf("response: %d", code)
	}
	select {
	case <-inv.Done():
	default:
		t.Fatal("the response did not end the invocation")
	}
	if inv.Outcome != Response || string(inv.Body) != `"done"` || inv.Answered.Before(inv.Next) {
		t.Errorf("recorded %s %s at %v (next at %v)", inv.Outcome, inv.Body, inv.Answered, inv.Next)
	}
	if code := post(t, base+"invocation/"+inv.ID+"/response", `"again"`); code != http.StatusBadRequest {
		t.Errorf("a second response: %d", code)
	}

	// The process then asks for more, and waits: there is one event.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"invocation/next", nil)
	if resp, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a second /next answered: %v %v", resp, err)
	}
}

func TestRuntimeRecordsErrorsAsAnswers(t *testing.T) {
	rt := newRuntime(t)
	base := "http://" + rt.Addr + "/2018-06-01/runtime/"
	inv := rt.Serve("f", []byte(`{}`))
	if code := post(t, base+"invocation/"+inv.ID+"/error", `{"errorMessage":"boom"}`, "Lambda-Runtime-Function-Error-Type", "Runtime.Bad"); code != http.StatusAccepted {
		t.Fatalf("error: %d", code)
	}
	if inv.Outcome != Error || !strings.HasPrefix(string(inv.Body), "Runtime.Bad: ") {
		t.Errorf("recorded %s %s", inv.Outcome, inv.Body)
	}

	inv = rt.Serve("f", []byte(`{}`))
	if code := post(t, base+"init/error", `{"errorMessage":"no config"}`); code != http.StatusAccepted {
		t.Fatalf("init error: %d", code)
	}
	if inv.Outcome != InitError || !inv.Next.IsZero() {
		t.Errorf("recorded %s, next at %v", inv.Outcome, inv.Next)
	}
}

// Adding a function, or a variable the stack gives one, cannot leave the
// benchmark without its first event or a value.
func TestEveryFunctionHasAFirstEventAndItsVariables(t *testing.T) {
	for _, fn := range append(apigw.Functions(), helloName) {
		if _, err := firstEvent(fn); err != nil {
			t.Error(err)
		}
		if _, err := environment(fn, "/var/task/bootstrap", "127.0.0.1:9001", "http://127.0.0.1:9002"); err != nil {
			t.Error(err)
		}
	}
}

// A real aws-lambda-go bootstrap starts against the Runtime and answers:
// the stub speaks the protocol the library does.
func TestHelloWorldColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-o", bin, "./hello").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	event, _ := firstEvent(helloName)
	cs, err := once(helloName, bin, event)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Outcome != Response || string(cs.Body) != `"hello"` || cs.Init <= 0 || cs.First < cs.Init || len(cs.AWSCalls) != 0 {
		t.Errorf("%+v", cs)
	}
}
