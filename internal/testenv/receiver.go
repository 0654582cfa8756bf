package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Received is one request a Receiver got.
type Received struct {
	Header http.Header
	Body   []byte
	At     time.Time
	Status int // what the receiver answered
}

// Receiver is a tenant's webhook endpoint on loopback: it records every
// request and answers with its current status (200 unless told otherwise);
// Hang makes it hold each request until Release (or until the sender gives
// up).
type Receiver struct {
	URL string

	mu      sync.Mutex
	status  int
	hang    chan struct{}
	got     []Received
	waiting int // requests held now
	changed chan struct{}
}

// NewReceiver starts a receiver for the test.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{status: http.StatusOK, changed: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(r.Release)
	r.URL = srv.URL + "/hooks"
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	status, hang := r.status, r.hang
	if hang != nil {
		r.waiting++
		r.notify()
	}
	r.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-req.Context().Done():
		}
		r.mu.Lock()
		r.waiting--
		r.notify()
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.got = append(r.got, Received{Header: req.Header.Clone(), Body: body, At: time.Now(), Status: status})
	r.notify()
	r.mu.Unlock()
	w.WriteHeader(status)
}

// notify wakes the waiters; mu is held.
func (r *Receiver) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Answer makes the receiver answer status from now on.
func (r *Receiver) Answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// Hang makes the receiver hold each request until Release.
func (r *Receiver) Hang() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hang == nil {
		r.hang = make(chan struct{})
	}
}

// Release lets the held requests go and stops holding new ones.
func (r *Receiver) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hang != nil {
		close(r.hang)
		r.hang = nil
	}
}

// Held is the number of requests held now.
func (r *Receiver) Held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiting
}

// Got returns what the receiver got so far (held requests not included).
func (r *Receiver) Got() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.got...)
}

// WaitFor waits until done holds of what the receiver got, and fails the
// test after a minute (a bound, not a timing assertion: the sender is
// woken at once).
func (r *Receiver) WaitFor(t testing.TB, what string, done func(got []Received, held int) bool) []Received {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		r.mu.Lock()
		got, held, changed := append([]Received(nil), r.got...), r.waiting, r.changed
		r.mu.Unlock()
		if done(got, held) {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("receiver: still waiting for %s; got %d requests", what, len(got))
		}
	}
}
