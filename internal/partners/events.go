package partners

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// EventSink is told of each event once it is stored: the event bus, the
// webhook endpoints. A sink may be told of an event again (the change was
// redelivered after a failure), so it must act once per event id — or,
// like the bus, be told last (EventPublisher.Bus).
type EventSink interface {
	Publish(ctx context.Context, e Event) error
}

// EventPublisher turns committed changes into events: the consumer of the
// table's change stream. It stores each event for the audit trail, then
// tells the sinks.
type EventPublisher struct {
	Store EventStore
	// Render is the event's object as the API shows it.
	Render func(Event) (json.RawMessage, error)
	// Sinks act once per event id (the webhook fan-out's conditional puts).
	Sinks []EventSink
	// Bus is told of the change's events after everything else of the
	// change succeeded: it cannot tell a repeat (EventBridge's PutEvents),
	// so a failure of a step after it would put the events on it again
	// when the change is retried (a throttled Query of the fan-out did).
	// Nil: no bus.
	Bus EventSink
	// Purges removes what dies with a purged invitation (nil: nothing).
	Purges PurgeStore
	// Partners lets the publisher make the product's own follow-up
	// changes (reactions.go); nil: none.
	Partners PartnerStore
	Clock    Clock
}

func (p *EventPublisher) now() time.Time {
	if p.Clock == nil {
		return timestamp(SystemClock{})
	}
	return timestamp(p.Clock)
}

// Publish stores and sends the events of one change. An error means the
// change should be handed over again: nothing it has done is lost or done
// twice by that.
func (p *EventPublisher) Publish(ctx context.Context, c Change) error {
	events := EventsOf(c)
	for i, e := range events {
		data, err := p.Render(e)
		if err != nil {
			return fmt.Errorf("render %s %s: %w", e.Type, e.ID, err)
		}
		e.Data, e.Object = data, nil
		events[i] = e
		created, err := p.Store.PutEvent(ctx, e, e.At.Add(EventRetention))
		if err != nil {
			return fmt.Errorf("store %s %s: %w", e.Type, e.ID, err)
		}
		logFrom(ctx).Info("event", "event_id", e.ID, "event_type", string(e.Type), "tenant_id", e.TenantID, "subject_id", e.SubjectID, "new", created)
		for _, s := range p.Sinks {
			if err := s.Publish(ctx, e); err != nil {
				return fmt.Errorf("publish %s %s: %w", e.Type, e.ID, err)
			}
		}
		if err := p.react(ctx, e); err != nil {
			return fmt.Errorf("react to %s %s: %w", e.Type, e.ID, err)
		}
	}
	if p.Bus == nil {
		return nil
	}
	for _, e := range events {
		if err := p.Bus.Publish(ctx, e); err != nil {
			return fmt.Errorf("put %s %s on the bus: %w", e.Type, e.ID, err)
		}
	}
	return nil
}

// ListEvents returns a page of the caller's events, newest first: the audit
// trail.
func (s *Service) ListEvents(ctx context.Context, f EventFilter, limit int, cursor string) (Page[Event], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[Event]{}, err
	}
	var fe fieldErrors
	if f.Type != "" && !f.Type.Valid() {
		fe.add("type", "invalid_choice", "type is not an event type; see the list in the docs.")
	}
	if f.PartnerID != "" && !validID(partnerIDPrefix, f.PartnerID) {
		fe.add("partner_id", "invalid_id", "partner_id is not a partner id.")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fe.add("to", "out_of_range", "to must be after from.")
	}
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[Event]{}, err
	}
	query := "events?" + url.Values{
		"type": {string(f.Type)}, "partner_id": {f.PartnerID}, "subject_id": {f.SubjectID},
		"from": {timeParam(f.From)}, "to": {timeParam(f.To)},
	}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[Event]{}, err
		}
	}
	items, next, err := s.Events.ListEvents(ctx, caller.TenantID, f, position, limit)
	if err != nil {
		return Page[Event]{}, fmt.Errorf("list events: %w", err)
	}
	page := Page[Event]{Items: items}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}

func timeParam(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// PurgeStore deletes what dies with a purged invitation.
type PurgeStore interface {
	// PurgeNeverActivated deletes the invitation's user and their claim
	// on the email if the user never activated and it was their latest
	// invitation; ConflictUserChanged (nothing deleted) otherwise.
	PurgeNeverActivated(ctx context.Context, inv Invitation) error
}

// Purged follows the table's purge of an ended invitation: a person who
// never activated, whose last invitation it was, goes with it, and so does
// their claim on the email (which would otherwise hold the address for
// ever). They carry no TTL of their own: every path that revives them (a
// re-invite, a resend, an accept) would have to clear it, and a path that
// missed would free an active person's email.
func (p *EventPublisher) Purged(ctx context.Context, inv Invitation) error {
	if p.Purges == nil {
		return nil
	}
	err := p.Purges.PurgeNeverActivated(ctx, inv)
	if isConflict(err, ConflictUserChanged) {
		return nil // invited again, or active: they stay
	}
	if err == nil {
		logFrom(ctx).Info("purge: never-activated user removed with their last invitation", "tenant_id", inv.TenantID, "user_id", inv.UserID)
	}
	return err
}
