package partners

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// The sender's schedule.
const (
	// WebhookRetryWindow is how long a delivery is retried before it ends
	// failed.
	WebhookRetryWindow = 72 * time.Hour
	// WebhookDisableAfter is how long an endpoint may fail every attempt
	// before it is disabled.
	WebhookDisableAfter = 5 * 24 * time.Hour
	// webhookFirstRetry and webhookMaxRetry bound the wait between attempts:
	// it doubles from the first to the most.
	webhookFirstRetry = 30 * time.Second
	webhookMaxRetry   = 6 * time.Hour
	// WebhookLease is how long a sender holds a delivery it claimed: longer
	// than an attempt can take, so that no two senders send it at once.
	WebhookLease = 2 * time.Minute
	// webhookHistory is how many attempts a delivery remembers.
	webhookHistory = 20
	// WebhookDeliveryRetention is how long a delivery is listed.
	WebhookDeliveryRetention = 30 * 24 * time.Hour
)

// WebhookDeliveryStatus is where a delivery stands.
type WebhookDeliveryStatus string

// The statuses of a delivery.
const (
	WebhookPending   WebhookDeliveryStatus = "pending"   // to be attempted at NextAttemptAt
	WebhookSucceeded WebhookDeliveryStatus = "succeeded" // the endpoint answered 2xx
	WebhookFailed    WebhookDeliveryStatus = "failed"    // given up: the window passed, or the endpoint is gone or disabled
)

// WebhookAttempt is one attempt to deliver.
type WebhookAttempt struct {
	At         time.Time
	StatusCode int    // 0 when no response came
	Error      string // why it failed; "" on success
	DurationMS int64
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID, TenantID, EndpointID string
	EventID                  string
	EventType                EventType
	// Payload is the event's JSON, the body of every attempt.
	Payload       []byte
	Status        WebhookDeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	// WindowStart is when the retries began: the delivery's creation, or a
	// retry on demand.
	WindowStart time.Time
	History     []WebhookAttempt
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// LeaseUntil is set while a sender holds it.
	LeaseUntil time.Time
}

// WebhookDeliveryRef names a delivery.
type WebhookDeliveryRef struct {
	TenantID   string `json:"tenant_id"`
	EndpointID string `json:"endpoint_id"`
	ID         string `json:"id"`
}

// Ref names d.
func (d WebhookDelivery) Ref() WebhookDeliveryRef {
	return WebhookDeliveryRef{TenantID: d.TenantID, EndpointID: d.EndpointID, ID: d.ID}
}

// WebhookDeliveryStore keeps the deliveries, and the queue of those due.
type WebhookDeliveryStore interface {
	// PutWebhookDelivery stores a new delivery, due at its NextAttemptAt;
	// storing one of the same id again changes nothing (created is false).
	// It is purged WebhookDeliveryRetention after its creation.
	PutWebhookDelivery(ctx context.Context, d WebhookDelivery) (created bool, err error)
	// GetWebhookDelivery reads one delivery of an endpoint: NotFound when absent.
	GetWebhookDelivery(ctx context.Context, ref WebhookDeliveryRef) (WebhookDelivery, error)
	// ListWebhookDeliveries returns a page of an endpoint's deliveries,
	// newest event first.
	ListWebhookDeliveries(ctx context.Context, tenantID, endpointID, position string, limit int) ([]WebhookDelivery, string, error)
	// DueWebhookDeliveries returns up to limit pending deliveries whose
	// next attempt is at or before now, every tenant's.
	DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDeliveryRef, error)
	// ClaimWebhookDelivery leases a pending delivery due at now, unleased
	// or whose lease ran out, until leaseUntil, and returns it: a
	// *ConflictError (ConflictAlreadyDone) when it is not due, not pending,
	// held by another sender, or gone.
	ClaimWebhookDelivery(ctx context.Context, ref WebhookDeliveryRef, now, leaseUntil time.Time) (WebhookDelivery, error)
	// RecordWebhookAttempt writes d's new state (status, attempts, next
	// attempt, history) and releases the lease, if the lease is still
	// heldUntil: a *ConflictError (ConflictAlreadyDone) otherwise.
	RecordWebhookAttempt(ctx context.Context, d WebhookDelivery, heldUntil time.Time) error
	// RequeueWebhookDelivery makes a delivery pending and due at now with a
	// new retry window, unless a sender holds it (*ConflictError,
	// ConflictAlreadyDone); NotFound when absent.
	RequeueWebhookDelivery(ctx context.Context, ref WebhookDeliveryRef, now time.Time) (WebhookDelivery, error)
	// MarkWebhookEndpointFailing records a failed attempt at an endpoint:
	// FailingSince becomes at unless it is set; it returns the endpoint as
	// it now stands. NotFound when the endpoint is gone.
	MarkWebhookEndpointFailing(ctx context.Context, tenantID, id string, at time.Time) (WebhookEndpoint, error)
	// MarkWebhookEndpointAnswering clears FailingSince, if set.
	MarkWebhookEndpointAnswering(ctx context.Context, tenantID, id string) error
	// DisableFailingWebhookEndpoint disables an endpoint for failing since
	// failingSince, if it is still enabled and failing since then
	// (*ConflictError, ConflictAlreadyDone, otherwise).
	DisableFailingWebhookEndpoint(ctx context.Context, tenantID, id string, failingSince, at time.Time) error
}

// webhookDeliveryID is the id of an event's delivery to an endpoint: the
// same pair always gives the same id, so a fan-out that runs twice stores
// one delivery. It sorts by the event's time.
func webhookDeliveryID(endpointID, eventID string, at time.Time) string {
	sum := sha256.Sum256([]byte(endpointID + "\x00" + eventID))
	var id ulid.ULID
	if at.Before(time.UnixMilli(0)) {
		at = time.UnixMilli(0)
	}
	_ = id.SetTime(ulid.Timestamp(at))
	_ = id.SetEntropy(sum[:10])
	return webhookDeliveryIDPrefix + id.String()
}

// WebhookRetryDelay is the wait after the attempts-th failed attempt: it
// doubles from 30 s up to 6 h, and jitter (0 ≤ jitter < 1) takes up to half
// of it off, so that the deliveries of one outage do not retry in step.
func WebhookRetryDelay(attempts int, jitter float64) time.Duration {
	d := webhookFirstRetry
	for i := 1; i < attempts && d < webhookMaxRetry; i++ {
		d *= 2
	}
	d = min(d, webhookMaxRetry)
	return d - time.Duration(float64(d/2)*jitter)
}

// afterFailure is d's state after a failed attempt at now: pending until
// its next attempt, or failed when that would fall after its window.
func (d WebhookDelivery) afterFailure(now time.Time, jitter float64) WebhookDelivery {
	next := now.Add(WebhookRetryDelay(d.Attempts, jitter))
	if next.After(d.WindowStart.Add(WebhookRetryWindow)) {
		d.Status, d.NextAttemptAt = WebhookFailed, time.Time{}
		return d
	}
	d.Status, d.NextAttemptAt = WebhookPending, next
	return d
}

func (d *WebhookDelivery) remember(a WebhookAttempt) {
	d.Attempts++
	d.History = append(d.History, a)
	if len(d.History) > webhookHistory {
		d.History = d.History[len(d.History)-webhookHistory:]
	}
	d.UpdatedAt = a.At
}

// WebhookWaker asks the sender to attempt deliveries now rather than at
// its next scheduled run.
type WebhookWaker interface {
	Wake(ctx context.Context, refs []WebhookDeliveryRef) error
}

// WebhookFanout is the EventSink of the webhooks: each event becomes one
// delivery per enabled endpoint of its tenant that receives its type.
// Nothing is sent here, in the stream's consumer: the sender does that, so
// that a slow receiver never holds the stream.
type WebhookFanout struct {
	Store WebhookStore
	// Render is the event's JSON, the deliveries' body.
	Render func(Event) ([]byte, error)
	Waker  WebhookWaker
}

// Publish stores the event's deliveries (once each: a redelivered event
// finds them stored) and wakes the sender for those it stored.
func (f *WebhookFanout) Publish(ctx context.Context, e Event) error {
	endpoints, err := f.Store.ListWebhookEndpoints(ctx, e.TenantID)
	if err != nil {
		return fmt.Errorf("endpoints of %s: %w", e.TenantID, err)
	}
	var payload []byte
	var created []WebhookDeliveryRef
	for _, ep := range endpoints {
		if !ep.Receives(e.Type) {
			continue
		}
		if payload == nil {
			if payload, err = f.Render(e); err != nil {
				return fmt.Errorf("render %s: %w", e.ID, err)
			}
		}
		d := WebhookDelivery{
			ID: webhookDeliveryID(ep.ID, e.ID, e.At), TenantID: e.TenantID, EndpointID: ep.ID, EventID: e.ID, EventType: e.Type,
			Payload: payload, Status: WebhookPending, NextAttemptAt: e.At, WindowStart: e.At, CreatedAt: e.At, UpdatedAt: e.At,
		}
		ok, err := f.Store.PutWebhookDelivery(ctx, d)
		if err != nil {
			return fmt.Errorf("delivery of %s to %s: %w", e.ID, ep.ID, err)
		}
		if ok {
			created = append(created, d.Ref())
		}
	}
	if len(created) > 0 && f.Waker != nil {
		if err := f.Waker.Wake(ctx, created); err != nil {
			// They are due in the table: the schedule sends them.
			logFrom(ctx).Warn("webhooks: wake failed; the schedule will send", "event_id", e.ID, "err", err)
		}
	}
	return nil
}

// WebhookRequest is one attempt as the transport sends it.
type WebhookRequest struct {
	URL string
	// ID is the webhook-id header: the event's id, the same on every attempt.
	ID        string
	Timestamp time.Time
	Body      []byte
	// Keys are the secrets' key bytes, each giving one signature.
	Keys [][]byte
}

// WebhookResponse is what came of an attempt.
type WebhookResponse struct {
	StatusCode int
	// Err is why it failed (a refused address, a timeout, a non-2xx answer).
	Err error
}

// WebhookTransport sends an attempt, signed.
type WebhookTransport interface {
	Send(ctx context.Context, r WebhookRequest) WebhookResponse
}

// WebhookSender attempts due deliveries: the deliver-webhooks function, run
// by the schedule every minute and woken by the fan-out for new ones. Two
// senders may run at once: each attempt is claimed with a lease first.
type WebhookSender struct {
	Store     WebhookStore
	Transport WebhookTransport
	Secrets   *WebhookSecrets
	Clock     Clock
	// Jitter returns a number in [0, 1); nil is math/rand.
	Jitter func() float64
	// PerEndpoint bounds the attempts in flight to one endpoint (default
	// 2), Concurrency those in flight in all (default 16).
	PerEndpoint, Concurrency int
	// Reserve is the time an attempt may take: no attempt starts when less
	// than this is left before the invocation's deadline.
	Reserve time.Duration
}

// SendResult counts what a run did.
type SendResult struct {
	Attempted int `json:"attempted"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// maxPerEndpointPerRun caps the deliveries one endpoint gets in a run.
const maxPerEndpointPerRun = 10

// Run attempts the deliveries named (a wake), or every due one (the
// schedule) when refs is empty.
func (s *WebhookSender) Run(ctx context.Context, refs []WebhookDeliveryRef) (SendResult, error) {
	if len(refs) == 0 {
		due, err := s.Store.DueWebhookDeliveries(ctx, s.Clock.Now(), 200)
		if err != nil {
			return SendResult{}, fmt.Errorf("due deliveries: %w", err)
		}
		refs = due
	}
	perEndpoint, total := s.PerEndpoint, s.Concurrency
	if perEndpoint == 0 {
		perEndpoint = 2
	}
	if total == 0 {
		total = 16
	}
	byEndpoint := map[string][]WebhookDeliveryRef{}
	var order []string
	for _, r := range refs {
		key := r.TenantID + "/" + r.EndpointID
		if _, ok := byEndpoint[key]; !ok {
			order = append(order, key)
		}
		// One endpoint's share of a run is bounded: the rest of its due
		// deliveries wait for the next run, behind no one else's.
		if len(byEndpoint[key]) < maxPerEndpointPerRun {
			byEndpoint[key] = append(byEndpoint[key], r)
		}
	}
	// No endpoint always goes first.
	rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var (
		mu     sync.Mutex
		result SendResult
		wg     sync.WaitGroup
		slots  = make(chan struct{}, total)
	)
	count := func(f func(*SendResult)) { mu.Lock(); f(&result); mu.Unlock() }
	for _, key := range order {
		queue := make(chan WebhookDeliveryRef, len(byEndpoint[key]))
		for _, r := range byEndpoint[key] {
			queue <- r
		}
		close(queue)
		// An endpoint's deliveries go through at most perEndpoint workers,
		// so that a slow endpoint holds only its own.
		for range min(perEndpoint, len(byEndpoint[key])) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ref := range queue {
					if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.Reserve {
						count(func(r *SendResult) { r.Skipped++ }) // still due: the next run takes it
						continue
					}
					slots <- struct{}{}
					outcome := s.attempt(ctx, ref)
					<-slots
					count(func(r *SendResult) {
						switch outcome {
						case WebhookSucceeded:
							r.Attempted++
							r.Succeeded++
						case WebhookFailed, WebhookPending:
							r.Attempted++
							r.Failed++
						default:
							r.Skipped++
						}
					})
				}
			}()
		}
	}
	wg.Wait()
	return result, nil
}

// attempt claims, sends and records one delivery; it returns
// WebhookSucceeded, WebhookPending or WebhookFailed for an attempt made
// ("" for one not made: not due, or held by another sender).
func (s *WebhookSender) attempt(ctx context.Context, ref WebhookDeliveryRef) WebhookDeliveryStatus {
	log := logFrom(ctx).With("delivery_id", ref.ID, "endpoint_id", ref.EndpointID, "tenant_id", ref.TenantID)
	now := timestamp(s.Clock)
	lease := now.Add(WebhookLease)
	d, err := s.Store.ClaimWebhookDelivery(ctx, ref, now, lease)
	if refusedFor(err, ConflictAlreadyDone) {
		return ""
	}
	if err != nil {
		log.Error("webhooks: claim failed", "err", err)
		return ""
	}
	ep, err := s.Store.GetWebhookEndpoint(ctx, ref.TenantID, ref.EndpointID)
	var why string
	switch {
	case IsKind(err, NotFound):
		why = "endpoint_deleted"
	case err != nil:
		log.Error("webhooks: endpoint read failed", "err", err)
		return s.record(ctx, log, d, lease, WebhookAttempt{At: now, Error: "internal error"}, false)
	case ep.Disabled:
		why = "endpoint_disabled"
	}
	if why != "" {
		d.Status, d.NextAttemptAt, d.UpdatedAt = WebhookFailed, time.Time{}, now
		if err := s.Store.RecordWebhookAttempt(ctx, d, lease); err != nil {
			log.Error("webhooks: record failed", "err", err)
		}
		log.Info("webhooks: delivery failed", "reason", why)
		return ""
	}
	var keys [][]byte
	for _, sec := range ep.signingSecrets(now) {
		k, err := s.Secrets.Open(ep.ID, sec)
		if err != nil {
			log.Error("webhooks: a secret does not open", "err", err) // never the secret itself
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return s.record(ctx, log, d, lease, WebhookAttempt{At: now, Error: "internal error: no secret"}, false)
	}
	start := time.Now()
	resp := s.Transport.Send(ctx, WebhookRequest{URL: ep.URL, ID: d.EventID, Timestamp: now, Body: d.Payload, Keys: keys})
	a := WebhookAttempt{At: now, StatusCode: resp.StatusCode, DurationMS: time.Since(start).Milliseconds()}
	if resp.Err != nil {
		a.Error = trimError(resp.Err.Error())
	}
	outcome := s.record(ctx, log, d, lease, a, resp.Err == nil)
	if resp.Err == nil {
		if !ep.FailingSince.IsZero() {
			if err := s.Store.MarkWebhookEndpointAnswering(ctx, ep.TenantID, ep.ID); err != nil {
				log.Error("webhooks: mark answering failed", "err", err)
			}
		}
		return outcome
	}
	s.endpointFailed(ctx, log, ep, now)
	return outcome
}

func (s *WebhookSender) record(ctx context.Context, log *slog.Logger, d WebhookDelivery, lease time.Time, a WebhookAttempt, ok bool) WebhookDeliveryStatus {
	d.remember(a)
	if ok {
		d.Status, d.NextAttemptAt = WebhookSucceeded, time.Time{}
	} else {
		jitter := s.Jitter
		if jitter == nil {
			jitter = rand.Float64
		}
		d = d.afterFailure(a.At, jitter())
	}
	if err := s.Store.RecordWebhookAttempt(ctx, d, lease); err != nil {
		log.Error("webhooks: record failed", "err", err)
	}
	log.Info("webhooks: attempt", "event_id", d.EventID, "status", string(d.Status), "status_code", a.StatusCode,
		"attempts", d.Attempts, "error", a.Error)
	if d.Status == WebhookFailed {
		log.Info("webhooks: delivery failed", "reason", "retries_exhausted")
	}
	return d.Status
}

// endpointFailed marks the endpoint failing, and disables it when it has
// failed every attempt for WebhookDisableAfter: its change becomes the
// webhook_endpoint.disabled event.
func (s *WebhookSender) endpointFailed(ctx context.Context, log *slog.Logger, ep WebhookEndpoint, now time.Time) {
	if ep.FailingSince.IsZero() {
		var err error
		if ep, err = s.Store.MarkWebhookEndpointFailing(ctx, ep.TenantID, ep.ID, now); err != nil {
			log.Error("webhooks: mark failing failed", "err", err)
			return
		}
	}
	if !ShouldDisableWebhookEndpoint(ep, now) {
		return
	}
	err := s.Store.DisableFailingWebhookEndpoint(ctx, ep.TenantID, ep.ID, ep.FailingSince, now)
	if err != nil && !refusedFor(err, ConflictAlreadyDone) {
		log.Error("webhooks: disable failed", "err", err)
	}
}

// ShouldDisableWebhookEndpoint reports whether an endpoint that just failed
// an attempt at now has failed for long enough to be disabled.
func ShouldDisableWebhookEndpoint(ep WebhookEndpoint, now time.Time) bool {
	return !ep.Disabled && !ep.FailingSince.IsZero() && !now.Before(ep.FailingSince.Add(WebhookDisableAfter))
}

// ListDeliveries returns a page of one of the caller's endpoints'
// deliveries, newest event first.
func (w *Webhooks) ListDeliveries(ctx context.Context, endpointID string, limit int, cursor string) (Page[WebhookDelivery], error) {
	caller, _, err := w.getEndpoint(ctx, PermRead, endpointID)
	if err != nil {
		return Page[WebhookDelivery]{}, err
	}
	var fe fieldErrors
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[WebhookDelivery]{}, err
	}
	query := "webhook-deliveries?" + url.Values{"endpoint": {endpointID}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = w.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[WebhookDelivery]{}, err
		}
	}
	items, next, err := w.Store.ListWebhookDeliveries(ctx, caller.TenantID, endpointID, position, limit)
	if err != nil {
		return Page[WebhookDelivery]{}, fmt.Errorf("list deliveries: %w", err)
	}
	page := Page[WebhookDelivery]{Items: items}
	if next != "" {
		page.NextCursor = w.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}

// RetryDelivery makes a delivery due now, with a new retry window, and
// wakes the sender: a failed delivery gets another three days.
func (w *Webhooks) RetryDelivery(ctx context.Context, endpointID, deliveryID string) (WebhookDelivery, error) {
	caller, ep, err := w.getEndpoint(ctx, PermManageSettings, endpointID)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if !validID(webhookDeliveryIDPrefix, deliveryID) {
		return WebhookDelivery{}, Errorf(NotFound, "No delivery %s of this endpoint.", deliveryID)
	}
	if ep.Disabled {
		return WebhookDelivery{}, &Error{Kind: Conflict, Message: "The endpoint is disabled; enable it (PATCH disabled: false) first.",
			Details: map[string]any{"code": "endpoint_disabled"}}
	}
	ref := WebhookDeliveryRef{TenantID: caller.TenantID, EndpointID: endpointID, ID: deliveryID}
	d, err := w.Store.RequeueWebhookDelivery(ctx, ref, timestamp(w.Clock))
	if refusedFor(err, ConflictAlreadyDone) {
		return WebhookDelivery{}, &Error{Kind: Conflict, Message: "The delivery is being attempted right now; look again in a minute.",
			Details: map[string]any{"code": "delivery_in_flight"}}
	}
	if err != nil {
		return WebhookDelivery{}, err
	}
	if w.Waker != nil {
		if err := w.Waker.Wake(ctx, []WebhookDeliveryRef{ref}); err != nil {
			logFrom(ctx).Warn("webhooks: wake failed; the schedule will send", "delivery_id", deliveryID, "err", err)
		}
	}
	return d, nil
}
