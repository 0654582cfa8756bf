package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// awsStub stands where AWS would be (AWS_ENDPOINT_URL): the first events
// are chosen to be answered without calling AWS, and the stub is how the
// benchmark knows they were. Any call it gets is counted and refused at
// once with a non-retryable error, so that a call shows in the table
// instead of hanging on the network or sleeping in the SDK's retries.
type awsStub struct {
	URL  string
	srv  *http.Server
	mu   sync.Mutex
	seen []string // X-Amz-Target, or method and path, of each call
}

func newAWSStub() (*awsStub, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &awsStub{URL: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }() // ends with http.ErrServerClosed on Close
	return s, nil
}

func (s *awsStub) serve(w http.ResponseWriter, r *http.Request) {
	call := r.Header.Get("X-Amz-Target")
	if call == "" {
		call = r.Method + " " + r.URL.Path // SES v2 is REST
	}
	s.mu.Lock()
	s.seen = append(s.seen, call)
	s.mu.Unlock()
	// The JSON protocols (DynamoDB, Cognito) read __type, the REST ones
	// the header; both treat a 400 ValidationException as final.
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", "ValidationException")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"__type":"ValidationException","message":"cold-start benchmark: no AWS here"}`))
}

// calls returns the calls seen so far.
func (s *awsStub) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func (s *awsStub) Close() error { return s.srv.Close() }
