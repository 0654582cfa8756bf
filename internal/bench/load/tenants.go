package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// partnersPerTenant is how many partners each tenant invites people into,
// made afresh for each run (each step of the search, and the measured
// run): a partner's detail reads its people (docs/api.md), so a run that
// inherited the earlier steps' people would time the history of the
// search, not its own rate.
const partnersPerTenant = 20

// tenant is one tenant of the load: its key, its partners, and the pending
// invitations made for the routes that use one up (accepts, resends,
// revokes), each used once.
type tenant struct {
	id, key, name string
	partners      []string // of the current run
	runs          int

	mu      sync.Mutex
	pending map[string][]pendingInvitation // by the route that will use it
}

type pendingInvitation struct {
	id    string
	token string // of the link, for accepts
}

var emailSeq atomic.Int64

// newEmail is an address no request of the run has used.
func newEmail(prefix string) string {
	return fmt.Sprintf("%s-%d-%d@load.example", prefix, emailSeq.Add(1), nowNano())
}

func newTenant(ctx context.Context, partnerctl, base, name string) (*tenant, error) {
	out, err := output(ctx, partnerctl, "tenant", "create", "--name", name)
	if err != nil {
		return nil, err
	}
	var created struct {
		TenantID string `json:"tenant_id"`
		APIKey   string `json:"api_key"`
	}
	if err := json.Unmarshal(out, &created); err != nil || created.APIKey == "" {
		return nil, fmt.Errorf("partnerctl tenant create printed %q: %v", out, err)
	}
	t := &tenant{id: created.TenantID, key: created.APIKey, name: name, pending: map[string][]pendingInvitation{}}
	// The most the product allows, so that the run's emails stay within
	// the tenant's hour and each address's day.
	if _, err := t.call(ctx, base, "PUT", "/v1/settings", map[string]any{"send_limits": map[string]any{"emails_per_hour": 10000, "emails_per_recipient_per_day": 20}}, http.StatusOK); err != nil {
		return nil, err
	}
	return t, nil
}

// newPartners replaces the tenant's partners with new ones for the next run.
func (t *tenant) newPartners(ctx context.Context, base string) error {
	t.runs++
	var ids []string
	for i := range partnersPerTenant {
		p, err := t.call(ctx, base, "POST", "/v1/partners", map[string]any{"name": fmt.Sprintf("%s run %d partner %d", t.name, t.runs, i+1), "country": "GB"}, http.StatusCreated)
		if err != nil {
			return err
		}
		ids = append(ids, p["id"].(string))
	}
	t.partners = ids
	return nil
}

// prepare makes n pending link-only invitations for a route to use up.
func (t *tenant) prepare(ctx context.Context, base, route string, n int) error {
	made := make([]pendingInvitation, 0, n)
	for i := range n {
		pid := t.partners[i%len(t.partners)]
		r, err := t.call(ctx, base, "POST", "/v1/partners/"+pid+"/users",
			map[string]any{"email": newEmail("prepared"), "role": "member", "send_email": false}, http.StatusCreated)
		if err != nil {
			return err
		}
		inv := r["invitation"].(map[string]any)
		url, _ := inv["activation_url"].(string)
		made = append(made, pendingInvitation{id: inv["id"].(string), token: url[strings.LastIndex(url, "/")+1:]})
	}
	t.mu.Lock()
	t.pending[route] = append(t.pending[route], made...)
	t.mu.Unlock()
	return nil
}

// take is the next prepared invitation of a route, if any is left.
func (t *tenant) take(route string) (pendingInvitation, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pending[route]
	if len(p) == 0 {
		return pendingInvitation{}, false
	}
	t.pending[route] = p[1:]
	return p[0], true
}

// call makes one setup request and wants the given status.
func (t *tenant) call(ctx context.Context, base, method, path string, body any, want int) (map[string]any, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return out, nil
}
