package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Runtime is a minimal Lambda Runtime API, the protocol that Lambda (and the
// runtime interface emulator) speaks to a bootstrap: the process polls GET
// /next for an event and posts its answer. It serves one invocation at a
// time and records when the process first asked for work (its init is
// over) and when it answered.
type Runtime struct {
	// Addr is host:port, what AWS_LAMBDA_RUNTIME_API holds.
	Addr string
	srv  *http.Server
	mu   sync.Mutex
	inv  *Invocation
}

// Outcome is how a process answered its invocation.
type Outcome string

// The answers a bootstrap can post.
const (
	Response  Outcome = "response"
	Error     Outcome = "error"      // POST …/invocation/{id}/error: the handler returned an error
	InitError Outcome = "init error" // POST /runtime/init/error: it could not start
)

// Invocation is one event served to one process, and what it did with it.
type Invocation struct {
	ID       string
	Function string
	Event    []byte

	// Set by the Runtime; read them after Done is closed.
	Next     time.Time // the first GET /next
	Answered time.Time // the response or error
	Outcome  Outcome
	Body     []byte // what the process posted
	handed   bool
	done     chan struct{}
}

// Done is closed when the process has answered.
func (inv *Invocation) Done() <-chan struct{} { return inv.done }

// NewRuntime starts a Runtime on a free loopback port.
func NewRuntime() (*Runtime, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Runtime{Addr: ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", r.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", r.answer(Response))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", r.answer(Error))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", r.answer(InitError))
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }() // ends with http.ErrServerClosed on Close
	return r, nil
}

// Close stops the server and drops the connections of processes still
// waiting on /next.
func (r *Runtime) Close() error { return r.srv.Close() }

// Serve makes event the one invocation handed to the next process that
// polls; the previous invocation, if any, is forgotten.
func (r *Runtime) Serve(function string, event []byte) *Invocation {
	inv := &Invocation{ID: requestID(), Function: function, Event: event, done: make(chan struct{})}
	r.mu.Lock()
	r.inv = inv
	r.mu.Unlock()
	return inv
}

func (r *Runtime) next(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	r.mu.Lock()
	inv := r.inv
	fresh := inv != nil && !inv.handed
	if fresh {
		inv.handed, inv.Next = true, now
	}
	r.mu.Unlock()
	if !fresh {
		// A process asks again after its answer: Lambda would freeze it
		// here, and the benchmark kills it, which ends this request.
		<-req.Context().Done()
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.ID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(30*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:"+region+":"+account+":function:"+inv.Function)
	h.Set("Lambda-Runtime-Trace-Id", fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), randomHex(12), randomHex(8)))
	_, _ = w.Write(inv.Event) // a failed write is the process's short read
}

// answer records a response, an invocation error or an init error.
func (r *Runtime) answer(outcome Outcome) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		now := time.Now()
		body, _ := io.ReadAll(req.Body)
		if t := req.Header.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
			body = append([]byte(t+": "), body...)
		}
		r.mu.Lock()
		inv := r.inv
		ok := inv != nil && inv.Outcome == "" && (outcome == InitError || req.PathValue("id") == inv.ID)
		if ok {
			inv.Answered, inv.Outcome, inv.Body = now, outcome, body
			close(inv.done)
		}
		r.mu.Unlock()
		if !ok {
			http.Error(w, `{"errorMessage":"no such invocation, or already answered"}`, http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`) // the answer is recorded already
	}
}

// requestID is a random UUID, the shape of Lambda's request ids.
func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b) // crypto/rand never fails
	return fmt.Sprintf("%x", b)[:n]
}
