package partners

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// Webhook endpoint limits and lifetimes.
const (
	webhookEndpointIDPrefix = "whe_"
	webhookDeliveryIDPrefix = "whd_"
	// MaxWebhookEndpoints is how many endpoints a tenant may have: the
	// fan-out reads them all for every event, in one page.
	MaxWebhookEndpoints = 20
	// WebhookSecretOverlap is how long a rotated-out secret still signs.
	WebhookSecretOverlap = 24 * time.Hour
	webhookSecretPrefix  = "whsec_"
	webhookSecretBytes   = 32
	maxWebhookURL        = 2048
	maxWebhookDesc       = 500
	// WebhookAllEvents subscribes an endpoint to every type, those added
	// later included.
	WebhookAllEvents = "*"
)

// WebhookDisabledReason says why an endpoint stopped receiving.
type WebhookDisabledReason string

// The reasons an endpoint is disabled.
const (
	WebhookDisabledByKey     WebhookDisabledReason = "disabled_by_key" // PATCH disabled: true
	WebhookDisabledByFailure WebhookDisabledReason = "failing"         // every attempt failed for WebhookDisableAfter
)

// WebhookSecret is one signing secret of an endpoint, sealed: only the
// sender opens it, and only the create and rotate answers ever show it.
type WebhookSecret struct {
	Sealed    string
	CreatedAt time.Time
	// ExpiresAt is when a rotated-out secret stops signing; zero for the
	// current one.
	ExpiresAt time.Time
}

// WebhookEndpoint is where a tenant receives its events.
type WebhookEndpoint struct {
	ID, TenantID string
	URL          string
	// Events are the types it receives, or ["*"].
	Events      []string
	Description string
	Disabled    bool
	// DisabledReason is set while Disabled.
	DisabledReason WebhookDisabledReason
	// FailingSince is the first failed attempt since the last success: zero
	// while the endpoint answers.
	FailingSince time.Time
	Secrets      []WebhookSecret
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ChangedBy    Actor
}

// Receives reports whether the endpoint wants events of type t.
func (e WebhookEndpoint) Receives(t EventType) bool {
	return !e.Disabled && (slices.Contains(e.Events, WebhookAllEvents) || slices.Contains(e.Events, string(t)))
}

// signingSecrets are the sealed secrets that sign at now: the current one and
// a rotated-out one within its overlap.
func (e WebhookEndpoint) signingSecrets(now time.Time) []WebhookSecret {
	var out []WebhookSecret
	for _, s := range e.Secrets {
		if s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt) {
			out = append(out, s)
		}
	}
	return out
}

// WebhookStore keeps the endpoints and their deliveries.
type WebhookStore interface {
	// CreateWebhookEndpoint stores a new endpoint.
	CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	// GetWebhookEndpoint reads one of a tenant's endpoints: NotFound when it
	// has none of that id.
	GetWebhookEndpoint(ctx context.Context, tenantID, id string) (WebhookEndpoint, error)
	// ListWebhookEndpoints returns every endpoint of a tenant, oldest first.
	ListWebhookEndpoints(ctx context.Context, tenantID string) ([]WebhookEndpoint, error)
	// UpdateWebhookEndpoint writes e's settings, secrets and state if the
	// stored endpoint is still at version e.Version-1: a *ConflictError
	// (ConflictConcurrentWrite) otherwise, NotFound when it is gone.
	UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	// DeleteWebhookEndpoint removes an endpoint: NotFound when absent.
	DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error
	WebhookDeliveryStore
}

// NewWebhookSecrets returns the sealer of webhook secrets, keyed from the
// product's secret.
func NewWebhookSecrets(master []byte, older ...[]byte) (*WebhookSecrets, error) {
	box, err := seal.New(master, "webhook-secret", older...)
	if err != nil {
		return nil, err
	}
	return &WebhookSecrets{box: box}, nil
}

// WebhookSecrets seals and opens endpoints' signing secrets, bound to the
// endpoint: a sealed secret copied to another endpoint does not open.
type WebhookSecrets struct{ box *seal.Box }

// generate makes a new secret: its text (shown once) and its sealed form.
func (w *WebhookSecrets) generate(endpointID string, now time.Time) (string, WebhookSecret) {
	raw := make([]byte, webhookSecretBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(raw),
		WebhookSecret{Sealed: w.box.Seal(raw, []byte("webhook-endpoint "+endpointID)), CreatedAt: now}
}

// Open returns a sealed secret's key bytes (what the HMAC is keyed with).
func (w *WebhookSecrets) Open(endpointID string, s WebhookSecret) ([]byte, error) {
	return w.box.Open(s.Sealed, []byte("webhook-endpoint "+endpointID))
}

// URLChecker refuses the URLs webhooks may not be sent to.
type URLChecker interface {
	// CheckURL returns an Invalid error naming field when raw may not
	// receive webhooks: not https, or a host that resolves to an address
	// that is not public.
	CheckURL(ctx context.Context, field, raw string) error
}

// WebhookEndpointInput is a new endpoint.
type WebhookEndpointInput struct {
	URL         string
	Events      []string
	Description string
}

// WebhookEndpointPatch changes some of an endpoint's settings; nil leaves a
// setting as it is.
type WebhookEndpointPatch struct {
	URL         *string
	Events      *[]string
	Description *string
	Disabled    *bool
}

// CreatedWebhookEndpoint is a new endpoint with its secret, shown once.
type CreatedWebhookEndpoint struct {
	Endpoint WebhookEndpoint
	Secret   string
}

// Webhooks is the service of a tenant's webhook endpoints.
type Webhooks struct {
	Store   WebhookStore
	URLs    URLChecker
	Secrets *WebhookSecrets
	// Waker asks the sender to attempt deliveries now; nil leaves them to
	// the schedule.
	Waker   WebhookWaker
	Cursors *Cursors
	Clock   Clock
}

func checkWebhookEvents(fe *fieldErrors, events []string) []string {
	if len(events) == 0 {
		fe.add("events", "required", `events must list event types, or be ["*"] for every type.`)
		return nil
	}
	var out []string
	for i, t := range events {
		switch {
		case t == WebhookAllEvents && len(events) == 1:
		case t == WebhookAllEvents:
			fe.add(fmt.Sprintf("events[%d]", i), "invalid_choice", `"*" cannot be listed with other types.`)
		case !EventType(t).Valid():
			fe.add(fmt.Sprintf("events[%d]", i), "invalid_choice", fmt.Sprintf("%q is not an event type; see the list in the docs.", t))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (w *Webhooks) checkURL(ctx context.Context, fe *fieldErrors, raw string) {
	if raw == "" {
		fe.add("url", "required", "url is required: the https URL that receives the events.")
		return
	}
	if len(raw) > maxWebhookURL {
		fe.add("url", "too_long", fmt.Sprintf("url must be at most %d characters.", maxWebhookURL))
		return
	}
	if u, err := url.Parse(raw); err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		fe.add("url", "invalid_url", "url must be an absolute URL without credentials or fragment, such as https://hooks.example.com/partner-invites.")
		return
	}
	if err := w.URLs.CheckURL(ctx, "url", raw); err != nil {
		if e, ok := err.(*Error); ok && e.Kind == Invalid {
			*fe = append(*fe, e.Fields...)
			return
		}
		fe.add("url", "unresolvable", "url's host could not be checked; retry.")
	}
}

func checkDescription(fe *fieldErrors, d string) {
	if utf8.RuneCountInString(d) > maxWebhookDesc || !utf8.ValidString(d) {
		fe.add("description", "too_long", fmt.Sprintf("description must be valid text of at most %d characters.", maxWebhookDesc))
	}
}

// CreateEndpoint adds an endpoint to the caller's tenant and returns it with
// its secret, which is never shown again.
func (w *Webhooks) CreateEndpoint(ctx context.Context, in WebhookEndpointInput) (CreatedWebhookEndpoint, error) {
	caller, err := authorize(ctx, PermManageSettings)
	if err != nil {
		return CreatedWebhookEndpoint{}, err
	}
	var fe fieldErrors
	w.checkURL(ctx, &fe, in.URL)
	events := checkWebhookEvents(&fe, in.Events)
	checkDescription(&fe, in.Description)
	if err := fe.err(); err != nil {
		return CreatedWebhookEndpoint{}, err
	}
	existing, err := w.Store.ListWebhookEndpoints(ctx, caller.TenantID)
	if err != nil {
		return CreatedWebhookEndpoint{}, fmt.Errorf("count endpoints: %w", err)
	}
	if len(existing) >= MaxWebhookEndpoints {
		return CreatedWebhookEndpoint{}, &Error{Kind: Conflict, Message: fmt.Sprintf("A tenant may have at most %d webhook endpoints; delete one first.", MaxWebhookEndpoints),
			Details: map[string]any{"code": "too_many_endpoints"}}
	}
	now := timestamp(w.Clock)
	e := WebhookEndpoint{
		ID: newID(webhookEndpointIDPrefix, now), TenantID: caller.TenantID, URL: in.URL, Events: events,
		Description: in.Description, Version: 1, CreatedAt: now, UpdatedAt: now, ChangedBy: keyActor(caller),
	}
	secret, sealed := w.Secrets.generate(e.ID, now)
	e.Secrets = []WebhookSecret{sealed}
	if err := w.Store.CreateWebhookEndpoint(ctx, e); err != nil {
		return CreatedWebhookEndpoint{}, fmt.Errorf("create endpoint: %w", err)
	}
	return CreatedWebhookEndpoint{Endpoint: e, Secret: secret}, nil
}

// getEndpoint reads one of the caller's endpoints; another tenant's id, or
// one that is not an endpoint id, is NotFound.
func (w *Webhooks) getEndpoint(ctx context.Context, perm Permission, id string) (Principal, WebhookEndpoint, error) {
	caller, err := authorize(ctx, perm)
	if err != nil {
		return Principal{}, WebhookEndpoint{}, err
	}
	if !validID(webhookEndpointIDPrefix, id) {
		return Principal{}, WebhookEndpoint{}, Errorf(NotFound, "No webhook endpoint %s.", id)
	}
	e, err := w.Store.GetWebhookEndpoint(ctx, caller.TenantID, id)
	if err != nil {
		return Principal{}, WebhookEndpoint{}, err
	}
	return caller, e, nil
}

// GetEndpoint returns one of the caller's endpoints.
func (w *Webhooks) GetEndpoint(ctx context.Context, id string) (WebhookEndpoint, error) {
	_, e, err := w.getEndpoint(ctx, PermRead, id)
	return e, err
}

// ListEndpoints returns the caller's endpoints, oldest first (at most
// MaxWebhookEndpoints: one page).
func (w *Webhooks) ListEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return nil, err
	}
	return w.Store.ListWebhookEndpoints(ctx, caller.TenantID)
}

// UpdateEndpoint changes an endpoint's URL, types, description, or
// disables and re-enables it. Re-enabling forgets the failures.
func (w *Webhooks) UpdateEndpoint(ctx context.Context, id string, p WebhookEndpointPatch) (WebhookEndpoint, error) {
	for attempt := 0; ; attempt++ {
		caller, e, err := w.getEndpoint(ctx, PermManageSettings, id)
		if err != nil {
			return WebhookEndpoint{}, err
		}
		var fe fieldErrors
		if p.URL != nil {
			w.checkURL(ctx, &fe, *p.URL)
			e.URL = *p.URL
		}
		if p.Events != nil {
			e.Events = checkWebhookEvents(&fe, *p.Events)
		}
		if p.Description != nil {
			checkDescription(&fe, *p.Description)
			e.Description = *p.Description
		}
		if err := fe.err(); err != nil {
			return WebhookEndpoint{}, err
		}
		if p.Disabled != nil && *p.Disabled != e.Disabled {
			e.Disabled, e.DisabledReason, e.FailingSince = *p.Disabled, "", time.Time{}
			if e.Disabled {
				e.DisabledReason = WebhookDisabledByKey
			}
		}
		now := timestamp(w.Clock)
		e.Version++
		e.UpdatedAt, e.ChangedBy = now, keyActor(caller)
		err = w.Store.UpdateWebhookEndpoint(ctx, e)
		if refusedFor(err, ConflictConcurrentWrite) && attempt < 3 {
			continue // the sender marked it failing meanwhile: apply the patch to that
		}
		if err != nil {
			return WebhookEndpoint{}, fmt.Errorf("update endpoint %s: %w", id, err)
		}
		return e, nil
	}
}

// DeleteEndpoint removes an endpoint; its pending deliveries end failed.
func (w *Webhooks) DeleteEndpoint(ctx context.Context, id string) error {
	caller, _, err := w.getEndpoint(ctx, PermManageSettings, id)
	if err != nil {
		return err
	}
	return w.Store.DeleteWebhookEndpoint(ctx, caller.TenantID, id)
}

// RotateSecret gives an endpoint a new secret, returned once; the one it
// replaces keeps signing for WebhookSecretOverlap, so that a receiver can
// switch over without losing a delivery. Older secrets stop at once.
func (w *Webhooks) RotateSecret(ctx context.Context, id string) (CreatedWebhookEndpoint, error) {
	for attempt := 0; ; attempt++ {
		caller, e, err := w.getEndpoint(ctx, PermManageSettings, id)
		if err != nil {
			return CreatedWebhookEndpoint{}, err
		}
		now := timestamp(w.Clock)
		secret, sealed := w.Secrets.generate(e.ID, now)
		kept := []WebhookSecret{sealed}
		for _, s := range e.Secrets {
			if s.ExpiresAt.IsZero() {
				s.ExpiresAt = now.Add(WebhookSecretOverlap)
				kept = append(kept, s)
			}
		}
		e.Secrets = kept
		e.Version++
		e.UpdatedAt, e.ChangedBy = now, keyActor(caller)
		err = w.Store.UpdateWebhookEndpoint(ctx, e)
		if refusedFor(err, ConflictConcurrentWrite) && attempt < 3 {
			continue
		}
		if err != nil {
			return CreatedWebhookEndpoint{}, fmt.Errorf("rotate secret of %s: %w", id, err)
		}
		return CreatedWebhookEndpoint{Endpoint: e, Secret: secret}, nil
	}
}

// refusedFor is true for a store's *ConflictError of reason.
func refusedFor(err error, reason ConflictReason) bool {
	c, ok := ConflictOf(err)
	return ok && c.Reason == reason
}

// trimError keeps an error's text short enough to store and show.
func trimError(s string) string {
	if len(s) > 300 {
		s = s[:300]
	}
	return strings.ToValidUTF8(s, "")
}
