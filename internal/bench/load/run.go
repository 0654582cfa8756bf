package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// run runs the load: one rate, or the search and then one rate. Each
// measured run (each step of the search too) gets a stack of its own
// (session): with -fresh, the emulators are restarted empty first.
func run(ctx context.Context, c config) error {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	fmt.Printf("load: %d tenants, %d partners each; the mix: %s\n", c.tenants, partnersPerTenant, mixLine())
	if c.fresh {
		fmt.Printf("load: every run on a fresh stack (the emulators restarted empty, %v of warm-up at %d/s unmeasured)\n", c.warmUp, warmUpRate)
	}
	var shared *session
	measure := func(rate int, d time.Duration) (*results, *session, error) {
		s := shared
		if s == nil || c.fresh {
			var err error
			if s, err = openSession(ctx, c); err != nil {
				return nil, nil, err
			}
			if !c.fresh {
				shared = s
			}
		}
		res, err := attack(ctx, s.gw, s.tenants, rate, d)
		return res, s, err
	}
	defer func() {
		if shared != nil {
			shared.close()
		}
	}()

	rate := c.rate
	if c.search {
		best, err := searchRate(c, measure)
		if err != nil {
			return err
		}
		if best == 0 {
			return fmt.Errorf("no rate held a p99 under %v", c.p99Bound)
		}
		rate = best
	}
	fmt.Printf("\nload: %d requests/s for %v\n", rate, c.duration)
	res, s, err := measure(rate, c.duration)
	if err != nil {
		return err
	}
	// A short step can hold where the full run does not: with -search the
	// figure is the highest rate whose whole run held, so the run steps
	// down until one does.
	for attempt := 1; c.search && attempt < maxConfirmations && !res.held(c.p99Bound) && rate > warmUpRate; attempt++ {
		fmt.Printf("load: %d/s did not hold for %v (p99 %.1f ms, %d errors); trying %d/s\n", rate, c.duration, ms(res.all.Latencies.P99), res.errors(), rate*85/100)
		rate = rate * 85 / 100
		if c.fresh {
			s.close()
		}
		if res, s, err = measure(rate, c.duration); err != nil {
			return err
		}
	}
	if c.fresh {
		defer s.close()
	}
	if c.search {
		verdict := "held"
		if !res.held(c.p99Bound) {
			verdict = "did not hold either; the figure is below it"
		}
		fmt.Printf("load: the highest rate whose %v run had a p99 under %v: %d/s (%s)\n", c.duration, c.p99Bound, rate, verdict)
	}
	report := res.table(rate, c.duration, s.gw.peakRSS(), emulatorPeaks())
	floor, err := floorRun(rate, c.stepDuration)
	if err != nil {
		return err
	}
	report += fmt.Sprintf("floor, the same run: DynamoDB Local alone, one GetItem at %d/s for %v: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		rate, c.stepDuration, ms(floor.Latencies.P50), ms(floor.Latencies.P99), ms(floor.Latencies.Max))
	fmt.Print(report)
	if err := os.WriteFile(filepath.Join(c.out, "load.txt"), []byte(report), 0o644); err != nil {
		return err
	}
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed (see above; the gateway's log is %s)", res.errors(), filepath.Join(c.out, "gateway.log"))
	}
	return nil
}

// session is one stack the load runs on: the gateway and the tenants, made
// on emulators that were (with -fresh) restarted empty, then warmed up.
type session struct {
	gw      *gateway
	tenants []*tenant
}

func openSession(ctx context.Context, c config) (*session, error) {
	if c.fresh {
		if err := restartStack(ctx); err != nil {
			return nil, err
		}
	}
	if err := exec1(ctx, c.partnerctl, "bootstrap"); err != nil {
		return nil, err
	}
	gw, err := startGateway(ctx, c.partnerctl, filepath.Join(c.out, "gateway.log"))
	if err != nil {
		return nil, err
	}
	s := &session{gw: gw}
	for i := range c.tenants {
		t, err := newTenant(ctx, c.partnerctl, gw.base, fmt.Sprintf("Load SaaS %d", i+1))
		if err != nil {
			s.close()
			return nil, err
		}
		s.tenants = append(s.tenants, t)
	}
	// DynamoDB Local is a JVM: its first seconds are interpreted and
	// compiled code, slower than what follows. Nothing of it is measured.
	if _, err := attack(ctx, gw, s.tenants, warmUpRate, c.warmUp); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *session) close() { s.gw.stop() }

// restartStack stops the emulators of the stack the load runs on and starts
// them again, empty (DynamoDB Local is in memory; the Cognito emulator's
// files are removed on start), on the same ports: local/stack.sh reads
// them from the environment `make load` gives.
func restartStack(ctx context.Context) error {
	for _, verb := range []string{"stop", "start"} {
		cmd := exec.CommandContext(ctx, "local/stack.sh", verb)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("local/stack.sh %s: %w", verb, err)
		}
	}
	return nil
}

// warmUpRate is the warm-up's rate: one most machines hold.
const warmUpRate = 10

// maxConfirmations bounds the full-length runs of -search.
const maxConfirmations = 4

// searchRate doubles the rate from 10/s while the p99 of all requests stays
// under the bound with no error (in one of two tries), then bisects between the last rate that
// held and the first that did not, to within 10 %. It returns the highest
// that held. The bound is on all requests, not each route's: a step of 15 s
// gives the rarer routes (2.5 % of the mix) a few dozen requests, whose
// "p99" is their slowest one; each route's p99 is printed beside.
func searchRate(c config, measure func(rate int, d time.Duration) (*results, *session, error)) (int, error) {
	fmt.Printf("\nload: searching for the highest rate with a p99 under %v (%v a step)\n", c.p99Bound, c.stepDuration)
	// A step that does not hold is tried once more: one pause of a JVM or
	// of Node's event loop moves the p99 of a 15 s step, and should not end
	// the search. The full-length run after it is the figure's judge.
	held := func(rate int) (bool, error) {
		for try := 1; ; try++ {
			res, sess, err := measure(rate, c.stepDuration)
			if err != nil {
				return false, err
			}
			if c.fresh {
				sess.close()
			}
			worst, route := res.worstP99()
			p99 := res.all.Latencies.P99
			ok := res.held(c.p99Bound)
			fmt.Printf("  %4d/s: p99 %6.1f ms (slowest route's p99 %6.1f ms, %s), %d errors -> %s\n",
				rate, ms(p99), ms(worst), route, res.errors(), map[bool]string{true: "held", false: "did not hold"}[ok])
			if ok || try == 2 {
				return ok, nil
			}
		}
	}
	lo, hi := 0, 0
	for rate := 10; ; rate *= 2 {
		ok, err := held(rate)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate >= 2000 {
			return lo, nil
		}
	}
	for hi-lo > lo/10 && hi-lo > 2 {
		mid := (lo + hi) / 2
		ok, err := held(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	fmt.Printf("load: the highest rate that held: %d/s\n", lo)
	return lo, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// emulatorPeaks reads the peak resident memory of each emulator of the
// stack the load runs on, from the pids local/stack.sh keeps.
func emulatorPeaks() map[string]int64 {
	dir := "local/.run"
	if p := os.Getenv("DYNAMODB_PORT"); p != "" && p != "18000" {
		dir = filepath.Join(dir, p)
	}
	peaks := map[string]int64{}
	for _, name := range []string{"dynamodb", "cognito", "ses"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			continue
		}
		if kb := peakRSSKiB(strings.TrimSpace(string(b))); kb > 0 {
			peaks[name] = kb
		}
	}
	return peaks
}

// peakRSSKiB is a process's peak resident set (VmHWM), 0 if unknown.
func peakRSSKiB(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return 0
}
