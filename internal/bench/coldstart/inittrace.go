package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// traceRuns is how many cold starts the init trace takes the median of.
const traceRuns = 5

// initLine is one line of GODEBUG=inittrace=1:
// "init github.com/x/y @1.2 ms, 8.1 ms clock, 1234 bytes, 5 allocs".
var initLine = regexp.MustCompile(`^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock, (\d+) bytes, \d+ allocs`)

// packageInit is one package's init: its median time over the runs, and
// what it allocates (the same every run).
type packageInit struct {
	pkg   string
	clock time.Duration
	bytes int
}

// traceInit prints what the function's package inits cost, costliest
// first, and how much of its init they are: the rest is main before
// lambda.Start polls (configuration, clients).
func traceInit(w io.Writer, function, bin, hello string, top int) error {
	fnInits, fnTotal, fnInit, err := trace(function, bin)
	if err != nil {
		return err
	}
	_, helloTotal, helloInit, err := trace(helloName, hello)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Package init of %s (GODEBUG=inittrace=1, medians of %d cold starts; %s).\n\n", function, traceRuns, platformNote())
	fmt.Fprintln(w, "| package | init ms | allocated KiB |")
	fmt.Fprintln(w, "|---|--:|--:|")
	for i, p := range fnInits {
		if i == top {
			fmt.Fprintf(w, "| … %d more | | |\n", len(fnInits)-top)
			break
		}
		fmt.Fprintf(w, "| %s | %.2f | %.0f |\n", p.pkg, float64(p.clock.Microseconds())/1000, float64(p.bytes)/1024)
	}
	fmt.Fprintf(w, "\nall package inits: %s ms of an init (exec → first /next) of %s ms; the rest is exec, runtime start and main.\n",
		millis(fnTotal), millis(fnInit))
	fmt.Fprintf(w, "hello-world:       %s ms of %s ms.\n", millis(helloTotal), millis(helloInit))
	return nil
}

// trace runs the function traceRuns times with the init trace on and
// returns each package's median init (costliest first), the median of
// their sum and the median init.
func trace(function, bin string) ([]packageInit, time.Duration, time.Duration, error) {
	event, err := firstEvent(function)
	if err != nil {
		return nil, 0, 0, err
	}
	clocks, allocs := map[string][]time.Duration{}, map[string]int{}
	var order []string
	var totals, inits []time.Duration
	for range traceRuns {
		cs, err := once(function, bin, event, "GODEBUG=inittrace=1")
		if err != nil {
			return nil, 0, 0, err
		}
		var total time.Duration
		sc := bufio.NewScanner(bytes.NewReader(cs.Output))
		for sc.Scan() {
			m := initLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			ms, _ := strconv.ParseFloat(m[2], 64)
			d := time.Duration(ms * float64(time.Millisecond))
			if _, seen := clocks[m[1]]; !seen {
				order = append(order, m[1])
			}
			clocks[m[1]] = append(clocks[m[1]], d)
			allocs[m[1]], _ = strconv.Atoi(m[3])
			total += d
		}
		totals, inits = append(totals, total), append(inits, cs.Init)
	}
	var pkgs []packageInit
	for _, p := range order {
		pkgs = append(pkgs, packageInit{pkg: p, clock: median(clocks[p]), bytes: allocs[p]})
	}
	slices.SortStableFunc(pkgs, func(a, b packageInit) int { return cmp.Compare(b.clock, a.clock) })
	return pkgs, median(totals), median(inits), nil
}
