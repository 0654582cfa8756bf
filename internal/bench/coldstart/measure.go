package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"
)

// result is one function's figures beside the hello-world's, measured in
// the same rounds.
type result struct {
	Function         string
	HostMiB, ArmMiB  float64 // 0: no such build
	Init, First      time.Duration
	HelloInit        time.Duration
	HelloFirst       time.Duration
	Answer           string   // what the first invocation answered
	AWSCalls         []string // calls the first invocation made to the AWS stub
	InitRatio, Ratio float64  // ÷ the hello-world's init, first response
}

// measure times rounds cold starts of the function, each beside one of the
// hello-world, alternating which goes first so that neither always runs on
// a machine the other has just warmed. One untimed start of each comes
// first: it loads the binaries into the page cache.
func measure(function, bin, hello string, rounds int) (result, error) {
	event, err := firstEvent(function)
	if err != nil {
		return result{}, err
	}
	helloEvent, _ := firstEvent(helloName)
	fn := func() (coldStart, error) { return once(function, bin, event) }
	hw := func() (coldStart, error) { return once(helloName, hello, helloEvent) }
	first, err := fn()
	if err != nil {
		return result{}, err
	}
	if _, err := hw(); err != nil {
		return result{}, err
	}
	var fns, hws []coldStart
	timed := func(runs *[]coldStart, start func() (coldStart, error)) func() error {
		return func() error {
			cs, err := start()
			*runs = append(*runs, cs)
			return err
		}
	}
	for i := range rounds {
		steps := [2]func() error{timed(&fns, fn), timed(&hws, hw)}
		if i%2 == 1 {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return result{}, err
			}
		}
	}
	r := result{
		Function: function, Answer: answer(first), AWSCalls: first.AWSCalls,
		Init: medianOf(fns, initOf), First: medianOf(fns, firstOf),
		HelloInit: medianOf(hws, initOf), HelloFirst: medianOf(hws, firstOf),
	}
	r.InitRatio = float64(r.Init) / float64(r.HelloInit)
	r.Ratio = float64(r.First) / float64(r.HelloFirst)
	return r, nil
}

func initOf(c coldStart) time.Duration  { return c.Init }
func firstOf(c coldStart) time.Duration { return c.First }

// medianOf is the median of one figure of the runs.
func medianOf(runs []coldStart, of func(coldStart) time.Duration) time.Duration {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = of(r)
	}
	return median(ds)
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Sorted(slices.Values(ds))
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// answer says what the first invocation answered: the HTTP status of an
// API Gateway response, else the outcome.
func answer(c coldStart) string {
	if c.Outcome == Error {
		msg := string(c.Body)
		if len(msg) > 60 {
			msg = msg[:60] + "…"
		}
		return "error: " + msg
	}
	var resp struct {
		StatusCode int            `json:"statusCode"`
		Context    map[string]any `json:"context"` // the authorizer's
	}
	_ = json.Unmarshal(c.Body, &resp) // the hello-world's is a string: no status
	switch {
	case resp.StatusCode != 0:
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	case resp.Context["auth_error"] != nil:
		return "key refused"
	}
	return string(c.Outcome)
}

// mib is the size of the file in MiB, 0 if there is none.
func mib(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}
