package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A route of the mix, its share of the requests, and how to make one.
type mixRoute struct {
	name  string // the function, as in the route table
	share float64
	// prepared: each request uses up a pending invitation made before the run.
	prepared bool
	target   func(base string, t *tenant, tg *vegeta.Target) error
}

// The mix issue 16 asks for: 60 % reads, 30 % invites, 5 % resends or
// revokes, 5 % accepts.
var mix = []mixRoute{
	{name: "list-partners", share: 0.20, target: func(base string, t *tenant, tg *vegeta.Target) error {
		return get(tg, base+"/v1/partners?limit=20", t)
	}},
	{name: "list-invitations", share: 0.20, target: func(base string, t *tenant, tg *vegeta.Target) error {
		return get(tg, base+"/v1/invitations?status=pending&limit=20", t)
	}},
	{name: "get-partner", share: 0.20, target: func(base string, t *tenant, tg *vegeta.Target) error {
		return get(tg, base+"/v1/partners/"+t.partners[int(nowNano())%len(t.partners)], t)
	}},
	{name: "invite-partner-user", share: 0.30, target: func(base string, t *tenant, tg *vegeta.Target) error {
		pid := t.partners[int(nowNano())%len(t.partners)]
		return post(tg, base+"/v1/partners/"+pid+"/users", t, map[string]any{"email": newEmail("invited"), "role": "member", "first_name": "Load"})
	}},
	{name: "resend-invitation", share: 0.025, prepared: true, target: func(base string, t *tenant, tg *vegeta.Target) error {
		p, ok := t.take("resend-invitation")
		if !ok {
			return fmt.Errorf("no prepared invitation left to resend")
		}
		return post(tg, base+"/v1/invitations/"+p.id+"/resend", t, map[string]any{})
	}},
	{name: "revoke-invitation", share: 0.025, prepared: true, target: func(base string, t *tenant, tg *vegeta.Target) error {
		p, ok := t.take("revoke-invitation")
		if !ok {
			return fmt.Errorf("no prepared invitation left to revoke")
		}
		return post(tg, base+"/v1/invitations/"+p.id+"/revoke", t, map[string]any{})
	}},
	{name: "accept-activation", share: 0.05, prepared: true, target: func(base string, t *tenant, tg *vegeta.Target) error {
		p, ok := t.take("accept-activation")
		if !ok {
			return fmt.Errorf("no prepared invitation left to accept")
		}
		return post(tg, base+"/v1/activations", nil, map[string]any{"token": p.token, "password": "Correct-Horse-42-load", "first_name": "Load", "last_name": "Tester"})
	}},
}

func mixLine() string {
	var parts []string
	for _, r := range mix {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", r.name, r.share*100))
	}
	return strings.Join(parts, ", ")
}

func nowNano() int64 { return time.Now().UnixNano() }

func get(tg *vegeta.Target, url string, t *tenant) error {
	tg.Method, tg.URL, tg.Body = http.MethodGet, url, nil
	tg.Header = http.Header{"Authorization": {"Bearer " + t.key}}
	return nil
}

func post(tg *vegeta.Target, url string, t *tenant, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	tg.Method, tg.URL, tg.Body = http.MethodPost, url, b
	tg.Header = http.Header{"Content-Type": {"application/json"}}
	if t != nil {
		tg.Header.Set("Authorization", "Bearer "+t.key)
	}
	return nil
}

// results are one run's metrics, by route.
type results struct {
	all     *vegeta.Metrics // every request of the run
	byRoute map[string]*vegeta.Metrics
	errs    map[string]map[string]int // route → error or status → count
}

// attack makes the run's partners and prepares what the prepared routes
// use up, then runs every route of
// the mix at its share of rate, together, for d.
func attack(ctx context.Context, gw *gateway, ts []*tenant, rate int, d time.Duration) (*results, error) {
	for _, t := range ts {
		if err := t.newPartners(ctx, gw.base); err != nil {
			return nil, fmt.Errorf("make the run's partners: %w", err)
		}
	}
	for _, r := range mix {
		if !r.prepared {
			continue
		}
		need := int(math.Ceil(float64(rate)*r.share*d.Seconds()*1.1)) + 2
		for _, t := range ts {
			if err := t.prepare(ctx, gw.base, r.name, need/len(ts)+1); err != nil {
				return nil, fmt.Errorf("prepare %s: %w", r.name, err)
			}
		}
	}
	res := &results{all: &vegeta.Metrics{}, byRoute: map[string]*vegeta.Metrics{}, errs: map[string]map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range mix {
		perSecond := float64(rate) * r.share
		pacer := vegeta.ConstantPacer{Freq: int(math.Max(1, math.Round(perSecond*100))), Per: 100 * time.Second}
		var next atomic.Int64
		targeter := func(tg *vegeta.Target) error {
			t := ts[int(next.Add(1))%len(ts)]
			return r.target(gw.base, t, tg)
		}
		attacker := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.Connections(64), vegeta.Redirects(vegeta.NoFollow))
		m := &vegeta.Metrics{}
		res.byRoute[r.name] = m
		res.errs[r.name] = map[string]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for hit := range attacker.Attack(targeter, pacer, d, r.name) {
				mu.Lock()
				m.Add(hit)
				res.all.Add(hit)
				if hit.Error != "" || hit.Code < 200 || hit.Code > 299 {
					key := fmt.Sprintf("%d %s", hit.Code, firstLine(hit.Error, hit.Body))
					res.errs[r.name][key]++
				}
				mu.Unlock()
				if ctx.Err() != nil {
					attacker.Stop()
				}
			}
			m.Close()
		}()
	}
	wg.Wait()
	res.all.Close()
	return res, ctx.Err()
}

func firstLine(err string, body []byte) string {
	s := err
	if s == "" {
		s = string(body)
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return strings.ReplaceAll(s, "\n", " ")
}

func (r *results) errors() int {
	n := 0
	for _, e := range r.errs {
		for _, c := range e {
			n += c
		}
	}
	return n
}

// held says whether the run had no error and a p99 of all its requests
// under the bound.
func (r *results) held(p99 time.Duration) bool {
	return r.errors() == 0 && r.all.Latencies.P99 < p99
}

// worstP99 is the highest p99 of any route, and which.
func (r *results) worstP99() (time.Duration, string) {
	var worst time.Duration
	var route string
	for name, m := range r.byRoute {
		if m.Latencies.P99 > worst {
			worst, route = m.Latencies.P99, name
		}
	}
	return worst, route
}

// table prints the run: each route's requests, latency and errors, then the
// memory of the gateway and the emulators.
func (r *results) table(rate int, d time.Duration, gatewayKiB int64, emulators map[string]int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n| route | share | requests | achieved /s | p50 ms | p99 ms | max ms | errors |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	var total uint64
	for _, route := range mix {
		m := r.byRoute[route.name]
		total += m.Requests
		errs := 0
		for _, c := range r.errs[route.name] {
			errs += c
		}
		fmt.Fprintf(&b, "| %s | %.1f %% | %d | %.1f | %.1f | %.1f | %.1f | %d |\n", route.name, route.share*100, m.Requests, m.Rate,
			ms(m.Latencies.P50), ms(m.Latencies.P99), ms(m.Latencies.Max), errs)
	}
	fmt.Fprintf(&b, "| **all routes** | 100 %% | %d | %.1f | %.1f | %.1f | %.1f | %d |\n", r.all.Requests, r.all.Rate,
		ms(r.all.Latencies.P50), ms(r.all.Latencies.P99), ms(r.all.Latencies.Max), r.errors())
	fmt.Fprintf(&b, "\nall routes: %d requests at %d/s for %v, %d errors\n", total, rate, d, r.errors())
	for _, route := range slices.Sorted(maps.Keys(r.errs)) {
		for what, c := range r.errs[route] {
			fmt.Fprintf(&b, "  error: %s: %d × %s\n", route, c, what)
		}
	}
	fmt.Fprintf(&b, "peak memory (VmHWM): gateway (partnerctl dev) %.1f MiB", float64(gatewayKiB)/1024)
	for _, name := range slices.Sorted(maps.Keys(emulators)) {
		fmt.Fprintf(&b, ", %s %.1f MiB", name, float64(emulators[name])/1024)
	}
	b.WriteString("\n")
	return b.String()
}
