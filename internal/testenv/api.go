package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/grants"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// API is the whole product served by the local gateway on a fresh table of
// the emulators: what a tenant's code meets, minus the network.
type API struct {
	App *app.App
	URL string
	// Logs holds every log line the functions wrote.
	Logs *SyncBuffer
}

// SyncBuffer is a bytes.Buffer that handlers may write to concurrently.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// NewAPI starts the product for one test: the local gateway and the stream
// poller that feeds the email sender. env overrides are KEY, VALUE pairs.
func NewAPI(t testing.TB, env ...string) *API {
	t.Helper()
	return newAPI(t, app.Options{}, allConsumers, nil, env...)
}

// NewAPIWithClock is NewAPI with a controllable clock.
func NewAPIWithClock(t testing.TB, clock partners.Clock, env ...string) *API {
	t.Helper()
	return newAPI(t, app.Options{Clock: clock}, allConsumers, nil, env...)
}

// NewAPIWithKiller is NewAPIWithClock with the stream consumers'
// invocations at the killer's mercy.
func NewAPIWithKiller(t testing.TB, clock partners.Clock, killer *Killer, env ...string) *API {
	t.Helper()
	return newAPI(t, app.Options{Clock: clock}, allConsumers, killer, env...)
}

// NewAPIWithOptions is NewAPI with the app's options set (LogOutput is the
// test's own).
func NewAPIWithOptions(t testing.TB, opts app.Options, env ...string) *API {
	t.Helper()
	return newAPI(t, opts, allConsumers, nil, env...)
}

// SenderInterval is how often the tests' stack runs the webhook sender's
// schedule.
const SenderInterval = 500 * time.Millisecond

var allConsumers = []string{apigw.SendInvitationEmailFunction, apigw.ProcessImportFunction, apigw.PublishEventsFunction}

// NewAPIWithConsumers is NewAPI with only the given stream consumers
// running: benchmarks of the request path leave out the email sender, whose
// stream reads share DynamoDB Local's two cores here but not DynamoDB's
// capacity in AWS.
func NewAPIWithConsumers(t testing.TB, consumers []string, env ...string) *API {
	t.Helper()
	return newAPI(t, app.Options{}, consumers, nil, env...)
}

// NewAPIWithOptionsAndConsumers is NewAPIWithConsumers with the app's
// options set: benchmarks that watch the functions' AWS calls through
// client options (their latency, their consumed capacity) choose which
// stream readers share the emulator with them.
func NewAPIWithOptionsAndConsumers(t testing.TB, opts app.Options, consumers []string, env ...string) *API {
	t.Helper()
	return newAPI(t, opts, consumers, nil, env...)
}

func newAPI(t testing.TB, opts app.Options, consumers []string, killer *Killer, env ...string) *API {
	t.Helper()
	awsCfg := AWS(t)
	db := DynamoDB(t)
	table := NewTable(t, db)
	logs := &SyncBuffer{}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	// The gateway answers Lambda's Invoke API too (publish-events wakes
	// deliver-webhooks through it), and webhooks may go to the tests'
	// loopback receivers.
	env = append([]string{"ACTIVATION_BASE_URL", base, "POOL_NAME_PREFIX", table + "-",
		"AWS_ENDPOINT_URL_LAMBDA", base, "WEBHOOK_SENDER_FUNCTION", apigw.DeliverWebhooksFunction, "WEBHOOKS_ALLOW_LOOPBACK", "1"}, env...)
	opts.LogOutput = logs
	opts.DynamoDBOptions = append(opts.DynamoDBOptions, recordDynamoDB)
	opts.CognitoOptions = append(opts.CognitoOptions, recordCognito)
	opts.SESOptions = append(opts.SESOptions, recordSES)
	opts.LambdaOptions = append(opts.LambdaOptions, recordLambda)
	getenv := Env(table, env...)
	// The App of the test's own helpers sees every variable; each function
	// runs in an App of its own, built by its own group (what its main
	// links), that sees only the variables its grants give it, as in the
	// deployed stack: a function that needs a variable or a dependency it
	// is not given fails its tests.
	a, err := app.New(context.Background(), getenv, opts)
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]any{}
	for _, fn := range apigw.Functions() {
		// Built as the function's Lambda builds it, through its group.
		h, err := app.FunctionHandler(context.Background(), fn, onlyGranted(getenv, fn), opts)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		handlers[fn] = h
	}
	gw, err := localgw.New(apigw.Routes, handlers, a.Log)
	if err != nil {
		t.Fatal(err)
	}
	gw.ServeLambda(handlers, timeoutOf)
	srv.Config.Handler = checkContract(t, gw)
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(gw.Close)

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of the functions:\n%s", logs.String())
		}
	})
	checkTTLsAfter(t, db, table)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, fn := range consumers {
		handler := handlers[fn]
		if killer != nil {
			handler = killer.wrap(fn, handler)
		}
		poller := &localgw.StreamPoller{
			DB: db, Streams: dynamodbstreams.NewFromConfig(awsCfg), Table: table, Region: awsCfg.Region,
			Handler: handler, Function: fn, Timeout: timeoutOf(fn), Log: a.Log, Poll: 50 * time.Millisecond, MaxBackoff: time.Second,
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := poller.Run(ctx); err != nil {
				t.Errorf("stream poller of %s: %v", fn, err)
			}
		}()
	}
	if slices.Contains(consumers, apigw.PublishEventsFunction) {
		// The webhook sender's schedule (every minute when deployed), often
		// here so that a test that moves its clock sees the retries soon.
		every := &localgw.Every{
			Function: apigw.DeliverWebhooksFunction, Handler: handlers[apigw.DeliverWebhooksFunction], Event: map[string]any{},
			Interval: SenderInterval, Timeout: timeoutOf(apigw.DeliverWebhooksFunction), Log: a.Log,
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := every.Run(ctx); err != nil {
				t.Errorf("schedule of %s: %v", apigw.DeliverWebhooksFunction, err)
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &API{App: a, URL: base, Logs: logs}
}

// Pool returns a tenant's own login pool.
func (api *API) Pool(t testing.TB, tenantID string) partners.LoginPool {
	t.Helper()
	tenant, err := api.App.Store.GetTenant(context.Background(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	if tenant.Pool.ID == "" {
		t.Fatalf("tenant %s has no login pool", tenantID)
	}
	return tenant.Pool
}

// Cognito returns a client of the Cognito emulator.
func (api *API) Cognito() *cip.Client { return cip.NewFromConfig(api.App.AWS) }

// Tenant creates a tenant and returns its id and admin key.
func (api *API) Tenant(t testing.TB, name string) (tenantID, adminKey string) {
	t.Helper()
	nt, err := api.App.Tenants.CreateTenant(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return nt.Tenant.ID, nt.Secret
}

// Key creates another key of a tenant.
func (api *API) Key(t testing.TB, tenantID string, role partners.Role) (keyID, secret string) {
	t.Helper()
	nk, err := api.App.Tenants.CreateAPIKey(context.Background(), tenantID, string(role)+" key", role)
	if err != nil {
		t.Fatal(err)
	}
	return nk.Key.ID, nk.Secret
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Do sends a request with an optional API key and JSON body (a string is
// sent as is) and extra headers as name, value pairs.
func (api *API) Do(t testing.TB, method, path, key string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, api.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// timeoutOf is a function's Lambda timeout, which the local stream
// reader gives each invocation.
func timeoutOf(function string) time.Duration {
	n, _ := grants.Of(function)
	return n.Timeout()
}

// onlyGranted hides from a function the stack's variables that its grants
// do not give it (test knobs that the stack never sets pass through).
func onlyGranted(getenv func(string) string, function string) func(string) string {
	need, _ := grants.Of(function)
	return func(k string) string {
		if grants.StackVariable(k) && !slices.Contains(need.Env, k) {
			return ""
		}
		return getenv(k)
	}
}
