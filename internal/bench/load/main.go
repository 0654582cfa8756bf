// Command load drives a realistic mix of tenants' traffic through the local
// gateway (`partnerctl dev`, the same event building, authorizer and
// handlers as the Lambdas) at a fixed rate, with vegeta as a library, and
// prints each route's latency, the errors (there must be none), and the
// peak memory of the gateway and of each emulator, and beside them the
// floor: DynamoDB Local alone at the same rate. With -search it first finds
// the highest rate this machine holds with a p99 under the bound. `make
// load` runs it on a fresh private emulator stack; see docs/benchmarks.md
// ("Load").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	rate := flag.Int("rate", 40, "requests per second, all routes together")
	duration := flag.Duration("duration", 60*time.Second, "how long the measured run lasts")
	search := flag.Bool("search", false, "first find the highest rate whose p99 stays under -p99 (steps of -step-duration), then run -duration at it")
	stepDuration := flag.Duration("step-duration", 15*time.Second, "with -search: how long each step lasts")
	p99Bound := flag.Duration("p99", 100*time.Millisecond, "with -search: the p99 of all requests must stay under it")
	warmUp := flag.Duration("warm-up", 20*time.Second, "an unmeasured run at 10/s first, past the emulators' warm-up")
	fresh := flag.Bool("fresh", true, "every measured run (every step of -search) on emulators restarted empty; false: one stack for all")
	tenants := flag.Int("tenants", 4, "tenants sharing the load (each has its own API key and rate limit)")
	partnerctl := flag.String("partnerctl", "bin/partnerctl", "the partnerctl binary (make load builds it)")
	out := flag.String("out", "test-artifacts/load", "where the gateway's log and the results go")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, config{
		rate: *rate, duration: *duration, search: *search, stepDuration: *stepDuration, p99Bound: *p99Bound,
		tenants: *tenants, partnerctl: *partnerctl, out: *out, warmUp: *warmUp, fresh: *fresh,
	}); err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

type config struct {
	rate         int
	duration     time.Duration
	search       bool
	stepDuration time.Duration
	warmUp       time.Duration
	fresh        bool
	p99Bound     time.Duration
	tenants      int
	partnerctl   string
	out          string
}
