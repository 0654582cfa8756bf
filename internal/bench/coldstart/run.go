package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// coldStart is one process's start, timed from just before its exec.
type coldStart struct {
	Init     time.Duration // exec → first GET /next: package init and main up to lambda.Start's first poll
	First    time.Duration // exec → the first answer posted: init and the first invocation
	Outcome  Outcome
	Body     []byte
	AWSCalls []string // calls the process made to the AWS stub
	Output   []byte   // its stdout and stderr
}

// startTimeout bounds one cold start; a healthy one takes milliseconds.
const startTimeout = 10 * time.Second

// once execs bin as function, serves it event and waits for its answer;
// then it kills the process, as nothing after the first answer is timed.
// extraEnv is added to the function's environment (GODEBUG, for one).
//
// Each process gets a Runtime API and an AWS stub of its own: a killed
// process's last GET /next (it asks again right after answering) may still
// be in flight, and must not take the next process's event.
func once(function, bin string, event []byte, extraEnv ...string) (coldStart, error) {
	bin, err := filepath.Abs(bin) // it runs in its own directory, as in Lambda
	if err != nil {
		return coldStart{}, err
	}
	rt, err := NewRuntime()
	if err != nil {
		return coldStart{}, err
	}
	defer rt.Close()
	stub, err := newAWSStub()
	if err != nil {
		return coldStart{}, err
	}
	defer stub.Close()
	env, err := environment(function, bin, rt.Addr, stub.URL)
	if err != nil {
		return coldStart{}, err
	}
	var out bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env, cmd.Dir = append(env, extraEnv...), filepath.Dir(bin)
	cmd.Stdout, cmd.Stderr = &out, &out
	inv := rt.Serve(function, event)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return coldStart{}, fmt.Errorf("%s: %w", function, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var failed error
	select {
	case <-inv.Done():
	case err := <-exited:
		exited <- err
		select {
		case <-inv.Done(): // it answered, then exited
		default:
			failed = fmt.Errorf("%s exited (%v) before answering", function, err)
		}
	case <-time.After(startTimeout):
		failed = fmt.Errorf("%s did not answer within %s", function, startTimeout)
	}
	_ = cmd.Process.Kill() // fails only if it has exited already
	<-exited
	cs := coldStart{Output: out.Bytes(), AWSCalls: stub.calls()}
	if failed != nil {
		return cs, &startError{err: failed, output: out.String()}
	}
	cs.Outcome, cs.Body, cs.First = inv.Outcome, inv.Body, inv.Answered.Sub(start)
	if inv.Outcome == InitError {
		return cs, &startError{err: fmt.Errorf("%s posted an init error: %s", function, inv.Body), output: out.String()}
	}
	cs.Init = inv.Next.Sub(start)
	return cs, nil
}

// startError is a function that did not start, with what it logged (a
// missing variable, say).
type startError struct {
	err    error
	output string
}

func (e *startError) Error() string {
	out := strings.TrimSpace(e.output)
	if out == "" {
		return e.err.Error()
	}
	return e.err.Error() + "; it wrote:\n    " + strings.ReplaceAll(out, "\n", "\n    ")
}

func (e *startError) Unwrap() error { return e.err }
