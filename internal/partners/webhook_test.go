package partners

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWebhookRetryDelayDoublesToSixHoursWithJitter(t *testing.T) {
	for _, c := range []struct {
		attempts int
		jitter   float64
		want     time.Duration
	}{
		{1, 0, 30 * time.Second}, {2, 0, time.Minute}, {3, 0, 2 * time.Minute}, {6, 0, 16 * time.Minute},
		{10, 0, 256 * time.Minute}, {11, 0, 6 * time.Hour}, {40, 0, 6 * time.Hour},
		{1, 0.5, 22500 * time.Millisecond}, {11, 0.999999, 3 * time.Hour}, // jitter takes up to half off
	} {
		got := WebhookRetryDelay(c.attempts, c.jitter)
		if c.jitter > 0.9 {
			if got < 3*time.Hour || got > 3*time.Hour+time.Second {
				t.Errorf("delay(%d, %v) = %s, want about 3h", c.attempts, c.jitter, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("delay(%d, %v) = %s, want %s", c.attempts, c.jitter, got, c.want)
		}
	}
}

func TestAFailedAttemptRetriesWithinThreeDaysOnly(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		attempts int
		now      time.Time
		want     WebhookDeliveryStatus
	}{
		{"first failure", 1, start, WebhookPending},
		{"a day in", 12, start.Add(24 * time.Hour), WebhookPending},
		{"the next would be inside the window", 20, start.Add(65 * time.Hour), WebhookPending},
		{"the next would be after the window", 20, start.Add(70 * time.Hour), WebhookFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := WebhookDelivery{Attempts: c.attempts, WindowStart: start, Status: WebhookPending}
			got := d.afterFailure(c.now, 0)
			if got.Status != c.want {
				t.Errorf("status %s, want %s", got.Status, c.want)
			}
			if got.Status == WebhookPending && !got.NextAttemptAt.After(c.now) {
				t.Errorf("next attempt %s is not after %s", got.NextAttemptAt, c.now)
			}
			if got.Status == WebhookFailed && !got.NextAttemptAt.IsZero() {
				t.Errorf("a failed delivery has a next attempt %s", got.NextAttemptAt)
			}
		})
	}
}

func TestShouldDisableAfterFiveDaysOfFailures(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		ep   WebhookEndpoint
		want bool
	}{
		{"answering", WebhookEndpoint{}, false},
		{"failing four days", WebhookEndpoint{FailingSince: now.Add(-96 * time.Hour)}, false},
		{"failing five days", WebhookEndpoint{FailingSince: now.Add(-WebhookDisableAfter)}, true},
		{"already disabled", WebhookEndpoint{FailingSince: now.Add(-200 * time.Hour), Disabled: true}, false},
	} {
		if got := ShouldDisableWebhookEndpoint(c.ep, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWhatAnEndpointReceives(t *testing.T) {
	for _, c := range []struct {
		name string
		ep   WebhookEndpoint
		t    EventType
		want bool
	}{
		{"every type", WebhookEndpoint{Events: []string{"*"}}, EventInvitationAccepted, true},
		{"a listed type", WebhookEndpoint{Events: []string{"partner.created", "invitation.accepted"}}, EventInvitationAccepted, true},
		{"an unlisted type", WebhookEndpoint{Events: []string{"partner.created"}}, EventInvitationAccepted, false},
		{"a prefix is not a type", WebhookEndpoint{Events: []string{"invitation"}}, EventInvitationAccepted, false},
		{"disabled", WebhookEndpoint{Events: []string{"*"}, Disabled: true}, EventInvitationAccepted, false},
	} {
		if got := c.ep.Receives(c.t); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// fakeHooks is a WebhookStore in memory.
type fakeHooks struct {
	WebhookStore // the methods a test does not use panic
	endpoints    map[string]WebhookEndpoint
	deliveries   map[string]WebhookDelivery
	disabled     []string
}

func (f *fakeHooks) ListWebhookEndpoints(_ context.Context, tenantID string) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	for _, e := range f.endpoints {
		if e.TenantID == tenantID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeHooks) GetWebhookEndpoint(_ context.Context, tenantID, id string) (WebhookEndpoint, error) {
	e, ok := f.endpoints[id]
	if !ok || e.TenantID != tenantID {
		return WebhookEndpoint{}, Errorf(NotFound, "no")
	}
	return e, nil
}

func (f *fakeHooks) PutWebhookDelivery(_ context.Context, d WebhookDelivery) (bool, error) {
	if _, ok := f.deliveries[d.ID]; ok {
		return false, nil
	}
	f.deliveries[d.ID] = d
	return true, nil
}

func (f *fakeHooks) ClaimWebhookDelivery(_ context.Context, ref WebhookDeliveryRef, now, lease time.Time) (WebhookDelivery, error) {
	d, ok := f.deliveries[ref.ID]
	if !ok || d.Status != WebhookPending || d.NextAttemptAt.After(now) || d.LeaseUntil.After(now) {
		return WebhookDelivery{}, &ConflictError{Reason: ConflictAlreadyDone}
	}
	d.LeaseUntil = lease
	f.deliveries[ref.ID] = d
	return d, nil
}

func (f *fakeHooks) RecordWebhookAttempt(_ context.Context, d WebhookDelivery, held time.Time) error {
	if !f.deliveries[d.ID].LeaseUntil.Equal(held) {
		return &ConflictError{Reason: ConflictAlreadyDone}
	}
	d.LeaseUntil = time.Time{}
	f.deliveries[d.ID] = d
	return nil
}

func (f *fakeHooks) MarkWebhookEndpointFailing(_ context.Context, _, id string, at time.Time) (WebhookEndpoint, error) {
	e := f.endpoints[id]
	if e.FailingSince.IsZero() {
		e.FailingSince = at
	}
	f.endpoints[id] = e
	return e, nil
}

func (f *fakeHooks) MarkWebhookEndpointAnswering(_ context.Context, _, id string) error {
	e := f.endpoints[id]
	e.FailingSince = time.Time{}
	f.endpoints[id] = e
	return nil
}

func (f *fakeHooks) DisableFailingWebhookEndpoint(_ context.Context, _, id string, since, at time.Time) error {
	e := f.endpoints[id]
	if e.Disabled || !e.FailingSince.Equal(since) {
		return &ConflictError{Reason: ConflictAlreadyDone}
	}
	e.Disabled, e.DisabledReason, e.UpdatedAt = true, WebhookDisabledByFailure, at
	f.endpoints[id] = e
	f.disabled = append(f.disabled, id)
	return nil
}

type wakes [][]WebhookDeliveryRef

func (w *wakes) Wake(_ context.Context, refs []WebhookDeliveryRef) error {
	*w = append(*w, refs)
	return nil
}

func TestFanoutStoresOneDeliveryPerReceivingEndpointOnce(t *testing.T) {
	store := &fakeHooks{deliveries: map[string]WebhookDelivery{}, endpoints: map[string]WebhookEndpoint{
		"whe_all":      {ID: "whe_all", TenantID: "ten_a", Events: []string{"*"}},
		"whe_listed":   {ID: "whe_listed", TenantID: "ten_a", Events: []string{"partner.created"}},
		"whe_unlisted": {ID: "whe_unlisted", TenantID: "ten_a", Events: []string{"invitation.accepted"}},
		"whe_disabled": {ID: "whe_disabled", TenantID: "ten_a", Events: []string{"*"}, Disabled: true},
		"whe_other":    {ID: "whe_other", TenantID: "ten_b", Events: []string{"*"}},
	}}
	var woken wakes
	f := &WebhookFanout{Store: store, Waker: &woken, Render: func(e Event) ([]byte, error) { return []byte(`{"id":"` + e.ID + `"}`), nil }}
	e := Event{ID: "evt_1", Type: EventPartnerCreated, TenantID: "ten_a", At: time.Now()}
	for range 2 { // the stream hands the change over again
		if err := f.Publish(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, d := range store.deliveries {
		got[d.EndpointID] = true
		if string(d.Payload) != `{"id":"evt_1"}` || d.Status != WebhookPending || !d.NextAttemptAt.Equal(e.At) {
			t.Errorf("delivery %+v", d)
		}
	}
	if len(store.deliveries) != 2 || !got["whe_all"] || !got["whe_listed"] {
		t.Errorf("deliveries to %v", got)
	}
	if len(woken) != 1 || len(woken[0]) != 2 {
		t.Errorf("wakes %v: want one, of the two new deliveries", woken)
	}
}

type failing struct{ sent int }

func (f *failing) Send(context.Context, WebhookRequest) WebhookResponse {
	f.sent++
	return WebhookResponse{StatusCode: 500, Err: errors.New("answered 500")}
}

func TestTheSenderDisablesAnEndpointFailingFiveDays(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	secrets, err := NewWebhookSecrets(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name         string
		failingSince time.Time
		disabled     bool
	}{
		{"first failure", time.Time{}, false},
		{"failing four days", now.Add(-96 * time.Hour), false},
		{"failing five days", now.Add(-WebhookDisableAfter), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, sealed := secrets.generate("whe_1", now)
			store := &fakeHooks{
				endpoints: map[string]WebhookEndpoint{"whe_1": {ID: "whe_1", TenantID: "ten_a", URL: "https://hooks.example/", Events: []string{"*"},
					FailingSince: c.failingSince, Secrets: []WebhookSecret{sealed}}},
				deliveries: map[string]WebhookDelivery{"whd_1": {ID: "whd_1", TenantID: "ten_a", EndpointID: "whe_1", Status: WebhookPending,
					NextAttemptAt: now, WindowStart: now}},
			}
			transport := &failing{}
			s := &WebhookSender{Store: store, Transport: transport, Secrets: secrets, Clock: fixedClock{now}, Jitter: func() float64 { return 0 }}
			res, err := s.Run(context.Background(), []WebhookDeliveryRef{{TenantID: "ten_a", EndpointID: "whe_1", ID: "whd_1"}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Attempted != 1 || res.Failed != 1 || transport.sent != 1 {
				t.Errorf("result %+v, sent %d", res, transport.sent)
			}
			d := store.deliveries["whd_1"]
			if d.Status != WebhookPending || d.Attempts != 1 || !d.NextAttemptAt.Equal(now.Add(30*time.Second)) || d.History[0].StatusCode != 500 {
				t.Errorf("delivery %+v", d)
			}
			if got := len(store.disabled) == 1; got != c.disabled {
				t.Errorf("disabled %v, want %v", got, c.disabled)
			}
			if ep := store.endpoints["whe_1"]; ep.FailingSince.IsZero() {
				t.Error("the endpoint is not marked failing")
			}
			// A second run at the same moment finds nothing due: the lease
			// and the next attempt keep it from sending twice.
			if res, _ := s.Run(context.Background(), []WebhookDeliveryRef{{TenantID: "ten_a", EndpointID: "whe_1", ID: "whd_1"}}); res.Attempted != 0 || transport.sent != 1 {
				t.Errorf("second run %+v", res)
			}
		})
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }
