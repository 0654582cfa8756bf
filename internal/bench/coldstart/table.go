package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

type tableOptions struct {
	bin, hello, dist, helloArm string
	rounds                     int
	limitMiB                   float64
}

// table measures the functions and prints one Markdown row each, then the
// worst ratio and the largest deployed binary beside the goals. A function
// that does not start is reported after the table, and makes it fail.
func table(w io.Writer, functions []string, o tableOptions) error {
	fmt.Fprintf(w, "Cold start, %s.\n", platformNote())
	fmt.Fprintf(w, "Medians of %d cold starts of each function, each beside one of the hello-world (interleaved).\n", o.rounds)
	fmt.Fprintln(w, "init: exec → first GET /next (package init and main until lambda.Start polls).")
	fmt.Fprintln(w, "first response: exec → the first invocation's answer posted (init + the first call, on an event answered without AWS).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| function | host MiB | arm64 MiB | init ms | ÷ hello | first response ms | ÷ hello | first answer | AWS calls |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|---|--:|")
	var results []result
	var failures []error
	for _, fn := range functions {
		bin := filepath.Join(o.bin, fn, "bootstrap")
		r, err := measure(fn, bin, o.hello, o.rounds)
		if err != nil {
			failures = append(failures, err)
			fmt.Fprintf(w, "| %s | %.1f | %s | did not start | | | | | |\n", fn, mib(bin), size(mib(filepath.Join(o.dist, fn, "bootstrap"))))
			continue
		}
		r.HostMiB, r.ArmMiB = mib(bin), mib(filepath.Join(o.dist, fn, "bootstrap"))
		results = append(results, r)
		fmt.Fprintf(w, "| %s | %.1f | %s | %s | %.2f× | %s | %.2f× | %s | %d |\n", fn, r.HostMiB, size(r.ArmMiB),
			millis(r.Init), r.InitRatio, millis(r.First), r.Ratio, r.Answer, len(r.AWSCalls))
	}
	if len(results) > 0 {
		var inits, firsts []time.Duration
		for _, r := range results {
			inits, firsts = append(inits, r.HelloInit), append(firsts, r.HelloFirst)
		}
		fmt.Fprintf(w, "| %s (yardstick) | %.1f | %s | %s | 1.00× | %s | 1.00× | response | 0 |\n", helloName,
			mib(o.hello), size(mib(o.helloArm)), millis(median(inits)), millis(median(firsts)))
		summary(w, results, o.limitMiB)
	}
	if len(failures) > 0 {
		fmt.Fprintln(w)
		for _, err := range failures {
			fmt.Fprintln(w, "did not start:", err)
		}
		return errors.New("some functions did not start")
	}
	return nil
}

// summary prints the worst ratios and the largest arm64 binary beside the
// goals, and any AWS calls a first invocation made (it was meant to make
// none: the figure then includes a round trip to the stub).
func summary(w io.Writer, results []result, limitMiB float64) {
	worst, worstInit, largest := results[0], results[0], results[0]
	for _, r := range results {
		if r.Ratio > worst.Ratio {
			worst = r
		}
		if r.InitRatio > worstInit.InitRatio {
			worstInit = r
		}
		if r.ArmMiB > largest.ArmMiB {
			largest = r
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "worst cold start (first response): %.2f× hello-world (%s); goal ≤ %.1f× %s\n",
		worst.Ratio, worst.Function, goalRatio, verdict(worst.Ratio <= goalRatio))
	fmt.Fprintf(w, "worst init:                        %.2f× hello-world (%s)\n", worstInit.InitRatio, worstInit.Function)
	if largest.ArmMiB == 0 {
		fmt.Fprintln(w, "largest arm64 binary: no linux/arm64 builds found (make build)")
	} else {
		fmt.Fprintf(w, "largest arm64 binary:              %.1f MiB (%s); goal ≤ %.0f MiB %s; make build fails above %.0f MiB\n",
			largest.ArmMiB, largest.Function, goalMiB, verdict(largest.ArmMiB <= goalMiB), limitMiB)
	}
	for _, r := range results {
		if len(r.AWSCalls) > 0 {
			fmt.Fprintf(w, "note: %s's first invocation called AWS (the stub): %s\n", r.Function, strings.Join(r.AWSCalls, ", "))
		}
	}
}

func verdict(ok bool) string {
	if ok {
		return "(met)"
	}
	return "(NOT met)"
}

func millis(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func size(m float64) string {
	if m == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", m)
}
