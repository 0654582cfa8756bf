// Package triggerrelay is the local stack's stand-in for Cognito's per-pool
// Lambda triggers. cognito-local has one trigger configuration for all its
// pools (read at start) and ignores a pool's own LambdaConfig, while every
// test makes pools of its own with a table of its own. So cognito-local
// invokes the relay (its LambdaClient endpoint), and the relay forwards each
// invocation by the event's userPoolId: to the Lambda Invoke API registered
// for that pool (a test's gateway, which runs issue-token-claims on the
// test's table), else to the fallback (`partnerctl dev`'s gateway), else it
// answers with the event unchanged: no claims, tokens as without a trigger.
// It is never deployed.
package triggerrelay

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// invocationsPrefix starts Lambda's Invoke API path, which cognito-local's
// Lambda client posts to: /2015-03-31/functions/{name}/invocations.
const invocationsPrefix = "/2015-03-31/functions/"

// maxEvent bounds an invocation's event (Lambda's own limit is 6 MB; a
// token event is a few KB).
const maxEvent = 1 << 20

// Relay forwards trigger invocations by user pool.
type Relay struct {
	Log    *slog.Logger
	Client *http.Client

	mu       sync.Mutex
	pools    map[string]string // pool id → base URL of a Lambda Invoke API
	fallback string
}

// New returns a relay with no pool registered.
func New(log *slog.Logger) *Relay {
	return &Relay{Log: log, Client: &http.Client{Timeout: 10 * time.Second}, pools: map[string]string{}}
}

// ServeHTTP answers the invocations and the registrations:
//
//	POST   /2015-03-31/functions/{name}/invocations   an invocation (cognito-local)
//	PUT    /pools/{pool id}    body: a base URL        route that pool's invocations there
//	DELETE /pools/{pool id}                            stop routing it
//	PUT    /fallback           body: a base URL        where unregistered pools go
//	DELETE /fallback
//	GET    /health
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch path := req.URL.Path; {
	case strings.HasPrefix(path, invocationsPrefix) && req.Method == http.MethodPost:
		r.invoke(w, req)
	case strings.HasPrefix(path, "/pools/") && len(path) > len("/pools/"):
		r.register(w, req, strings.TrimPrefix(path, "/pools/"))
	case path == "/fallback":
		r.register(w, req, "")
	case path == "/health" && req.Method == http.MethodGet:
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, req)
	}
}

func (r *Relay) register(w http.ResponseWriter, req *http.Request, pool string) {
	var target string
	switch req.Method {
	case http.MethodPut:
		b, err := io.ReadAll(io.LimitReader(req.Body, 4096))
		target = strings.TrimRight(strings.TrimSpace(string(b)), "/")
		if err != nil || !(strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://")) {
			http.Error(w, "send the base URL of a Lambda Invoke API", http.StatusBadRequest)
			return
		}
	case http.MethodDelete:
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	r.mu.Lock()
	switch {
	case pool == "":
		r.fallback = target
	case target == "":
		delete(r.pools, pool)
	default:
		r.pools[pool] = target
	}
	r.mu.Unlock()
	r.Log.Info("trigger relay: route", "user_pool_id", pool, "target", target)
	w.WriteHeader(http.StatusNoContent)
}

func (r *Relay) route(pool string) (target string, registered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.pools[pool]; ok {
		return t, true
	}
	return r.fallback, false
}

func (r *Relay) invoke(w http.ResponseWriter, req *http.Request) {
	event, err := io.ReadAll(io.LimitReader(req.Body, maxEvent))
	if err != nil {
		http.Error(w, "cannot read the event", http.StatusBadRequest)
		return
	}
	var head struct {
		UserPoolID string `json:"userPoolId"`
	}
	_ = json.Unmarshal(event, &head) // no pool: the fallback, or unchanged
	target, registered := r.route(head.UserPoolID)
	log := r.Log.With("user_pool_id", head.UserPoolID, "target", target)
	if target == "" {
		echo(w, event)
		return
	}
	fwd, err := http.NewRequestWithContext(req.Context(), http.MethodPost, target+req.URL.Path, bytes.NewReader(event))
	if err != nil {
		http.Error(w, "bad target", http.StatusBadGateway)
		return
	}
	fwd.Header.Set("Content-Type", "application/json")
	resp, err := r.Client.Do(fwd)
	if err != nil {
		if !registered {
			// The fallback (a `partnerctl dev` that stopped) is gone:
			// sign-ins of other pools go on as without a trigger.
			log.Warn("trigger relay: fallback unreachable; event answered unchanged", "err", err)
			echo(w, event)
			return
		}
		// A registered pool's handler is gone: fail its sign-in loudly,
		// as Cognito does when its trigger cannot be invoked.
		log.Error("trigger relay: target unreachable", "err", err)
		http.Error(w, "trigger target unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxEvent))
	if err != nil {
		http.Error(w, "cannot read the target's answer", http.StatusBadGateway)
		return
	}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		w.Header().Set("X-Amz-Function-Error", fe)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// echo answers an invocation with its event: a trigger that changes
// nothing.
func echo(w http.ResponseWriter, event []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(event)
}
