package testenv

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// FaultProxy is an HTTP reverse proxy in front of one emulator (or a
// webhook receiver) that injects faults on the wire: the SDK under test
// parses the error, classifies it and retries it with its own retryer, as
// it would against AWS. (Fault, the in-client injector, fails a call
// before the SDK's retries and parsing.) Rules match an operation: the
// action of X-Amz-Target for DynamoDB, DynamoDB Streams and Cognito
// ("PutItem", "AdminCreateUser"), METHOD and path for REST services
// ("POST /v2/email/outbound-emails" for SES v2).
type FaultProxy struct {
	// URL is the proxy's address: point the client's endpoint at it.
	URL string

	target *url.URL
	proxy  *httputil.ReverseProxy

	mu    sync.Mutex
	rules []*FaultRule
	calls map[string]int // operation → requests that reached the proxy
	hurt  map[string]int // operation → requests answered with a fault
}

// FaultKind is what a rule does to a request it matches.
type FaultKind int

// The faults a proxy injects.
const (
	// Throttle answers with the service's own throttling error: DynamoDB's
	// ProvisionedThroughputExceededException (400), Cognito's
	// TooManyRequestsException (400), SES v2's TooManyRequestsException
	// (429, x-amzn-ErrorType).
	Throttle FaultKind = iota
	// ServerError answers 500 with the service's InternalServerError shape.
	ServerError
	// Unavailable answers 503 with ServiceUnavailable.
	Unavailable
	// ResetBefore closes the connection before the request is forwarded:
	// the service never saw it.
	ResetBefore
	// ResetAfter forwards the request, then closes the connection instead
	// of answering: the service did the work, the client never heard.
	ResetAfter
	// Delay forwards the request after the rule's Latency.
	Delay
	// Status answers with the rule's StatusCode and an empty body (a
	// webhook receiver's own failure).
	Status
)

func (k FaultKind) String() string {
	return [...]string{"throttle", "500", "503", "reset before", "reset after", "delay", "status"}[k]
}

// FaultRule is one fault: which requests it hits and how.
type FaultRule struct {
	// Op is the operation the rule matches; "" matches every request.
	Op   string
	Kind FaultKind
	// Match, if set, must also accept the request's body.
	Match func(body []byte) bool
	// Times is how many requests the rule hits before it ends; 0 is until
	// Stop.
	Times int
	// Every hits one request in Every (1 or 0: each one).
	Every int
	// Latency is Delay's wait.
	Latency time.Duration
	// StatusCode is Status's answer.
	StatusCode int
	// OnHit, if set, runs when the rule hits a request, before its fault
	// (a test kills a stream consumer halfway through a batch with it).
	OnHit func()

	seen, hit int
	stopped   bool
}

// Stop ends the rule.
func (p *FaultProxy) Stop(r *FaultRule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r.stopped = true
}

// StopAll ends every rule.
func (p *FaultProxy) StopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		r.stopped = true
	}
}

// Hits is how many requests the rule has hit.
func (p *FaultProxy) Hits(r *FaultRule) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return r.hit
}

// NewFaultProxy starts a proxy to target (an emulator's base URL) for the
// test; it injects nothing until Add.
func NewFaultProxy(t testing.TB, target string) *FaultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("fault proxy target %q: %v", target, err)
	}
	p := &FaultProxy{target: u, calls: map[string]int{}, hurt: map[string]int{}}
	p.proxy = httputil.NewSingleHostReverseProxy(u)
	// A fresh transport of its own: a reset of ours must not be mistaken
	// for an idle connection of another test's client.
	p.proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	// A client that gives up (a killed invocation, a test that ended)
	// cancels its forwarded request: not worth a line in the test's output.
	p.proxy.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Add installs a rule and returns it (to Stop it, or count its Hits).
func (p *FaultProxy) Add(r FaultRule) *FaultRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	rule := &r
	p.rules = append(p.rules, rule)
	return rule
}

// Calls is how many requests of op reached the proxy.
func (p *FaultProxy) Calls(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

// Faults is how many requests of op the proxy answered with a fault (or
// delayed).
func (p *FaultProxy) Faults(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hurt[op]
}

// Operation names a request as the rules do.
func Operation(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		// DynamoDB_20120810.PutItem, AWSCognitoIdentityProviderService.AdminCreateUser
		return target[strings.LastIndexByte(target, '.')+1:]
	}
	return r.Method + " " + r.URL.Path
}

func (p *FaultProxy) pick(op string, body []byte) *FaultRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	for _, r := range p.rules {
		if r.stopped || (r.Op != "" && r.Op != op) || (r.Match != nil && !r.Match(body)) {
			continue
		}
		r.seen++
		if r.Every > 1 && r.seen%r.Every != 0 {
			continue
		}
		r.hit++
		if r.Times > 0 && r.hit >= r.Times {
			r.stopped = true
		}
		p.hurt[op]++
		return r
	}
	return nil
}

func (p *FaultProxy) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	op := Operation(req)
	rule := p.pick(op, body)
	if rule == nil {
		p.proxy.ServeHTTP(w, req)
		return
	}
	if rule.OnHit != nil {
		rule.OnHit()
	}
	switch rule.Kind {
	case Throttle, ServerError, Unavailable:
		writeServiceError(w, req, rule.Kind)
	case Status:
		w.WriteHeader(rule.StatusCode)
	case ResetBefore:
		reset(w)
	case ResetAfter:
		// Forwarded in full, the answer thrown away: the service did it.
		p.proxy.ServeHTTP(discard{header: http.Header{}}, req)
		reset(w)
	case Delay:
		select {
		case <-time.After(rule.Latency):
		case <-req.Context().Done():
			return
		}
		p.proxy.ServeHTTP(w, req)
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// reset closes the client's connection without an answer: the client reads
// EOF or "connection reset by peer", which the SDK retries as a connection
// error.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fault proxy: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tcp.SetLinger(0) // an RST, not a FIN
	}
	_ = conn.Close()
}

// writeServiceError answers as the service would. JSON 1.0 protocols
// (DynamoDB, Streams, Cognito) carry the code in the body's __type with
// 400 for throttling; REST JSON ones (SES v2, Lambda) in x-amzn-ErrorType
// with 429.
func writeServiceError(w http.ResponseWriter, req *http.Request, kind FaultKind) {
	target := req.Header.Get("X-Amz-Target")
	dynamo := strings.HasPrefix(target, "DynamoDB")
	status, code := 0, ""
	switch kind {
	case Throttle:
		switch {
		case dynamo:
			status, code = http.StatusBadRequest, "ProvisionedThroughputExceededException"
		case target != "":
			status, code = http.StatusBadRequest, "TooManyRequestsException"
		default:
			status, code = http.StatusTooManyRequests, "TooManyRequestsException"
		}
	case ServerError:
		status, code = http.StatusInternalServerError, "InternalServerError"
		if !dynamo && target != "" {
			code = "InternalErrorException" // Cognito's name
		}
	case Unavailable:
		status, code = http.StatusServiceUnavailable, "ServiceUnavailable"
	}
	msg := "injected by the fault proxy: " + kind.String()
	if dynamo {
		code = "com.amazonaws.dynamodb.v20120810#" + code
	}
	if target != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if !dynamo {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		}
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", code)
	}
	w.Header().Set("X-Amzn-Requestid", "fault-proxy")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
}

// FaultyStack is a fault proxy in front of each emulator, and the
// environment that points the product at them.
type FaultyStack struct {
	DynamoDB, Cognito, SES *FaultProxy
}

// NewFaultyStack puts a proxy in front of DynamoDB, Cognito and SES. The
// stream reader of the tests' stack (testenv's own client) and the test's
// readings of the SES emulator go straight to the emulators.
func NewFaultyStack(t testing.TB) *FaultyStack {
	t.Helper()
	AWS(t)
	return &FaultyStack{
		DynamoDB: NewFaultProxy(t, endpoint("AWS_ENDPOINT_URL_DYNAMODB")),
		Cognito:  NewFaultProxy(t, endpoint("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")),
		SES:      NewFaultProxy(t, endpoint("AWS_ENDPOINT_URL_SESV2")),
	}
}

// Env is the KEY, VALUE pairs for NewAPI that send the product's calls
// through the proxies.
func (s *FaultyStack) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB", s.DynamoDB.URL,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", s.Cognito.URL,
		"AWS_ENDPOINT_URL_SESV2", s.SES.URL,
	}
}

// StopAll ends every rule of every proxy.
func (s *FaultyStack) StopAll() {
	s.DynamoDB.StopAll()
	s.Cognito.StopAll()
	s.SES.StopAll()
}

func endpoint(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}
