package partners

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	"github.com/oklog/ulid/v2"
)

// EventType names what happened.
type EventType string

// The event types. They are part of the API (webhooks, the bus, GET
// /v1/events): never renamed.
const (
	EventPartnerCreated       EventType = "partner.created"
	EventPartnerUpdated       EventType = "partner.updated"
	EventPartnerFormSubmitted EventType = "partner.form_submitted"
	EventPartnerApproved      EventType = "partner.approved"
	EventPartnerRejected      EventType = "partner.rejected"
	EventPartnerUserInvited   EventType = "partner_user.invited"
	EventPartnerUserActivated EventType = "partner_user.activated"
	EventPartnerUserDisabled  EventType = "partner_user.disabled"
	EventPartnerUserEnabled   EventType = "partner_user.enabled"
	EventPartnerUserRemoved   EventType = "partner_user.removed"
	EventPartnerUserMoved     EventType = "partner_user.moved"
	// EventPartnerUserRoleChanged: the tenant changed the user's role.
	EventPartnerUserRoleChanged EventType = "partner_user.role_changed"
	// EventPartnerUserPasswordReset: the user set a new password with a
	// reset link (actor: the user). A request alone is no event.
	EventPartnerUserPasswordReset EventType = "partner_user.password_reset"
	EventInvitationCreated        EventType = "invitation.created"
	EventInvitationSent           EventType = "invitation.sent"
	EventInvitationResent         EventType = "invitation.resent"
	EventInvitationAccepted       EventType = "invitation.accepted"
	EventInvitationExpired        EventType = "invitation.expired"
	EventInvitationRevoked        EventType = "invitation.revoked"
	EventInvitationDeclined       EventType = "invitation.declined"
	EventInvitationDeliveryFailed EventType = "invitation.delivery_failed"
	EventInvitationBounced        EventType = "invitation.bounced"
	EventInvitationComplained     EventType = "invitation.complained"
	EventWebhookEndpointDisabled  EventType = "webhook_endpoint.disabled"
)

const (
	// EventRetention is how long events are kept for the audit trail.
	EventRetention = 30 * 24 * time.Hour
	eventIDPrefix  = "evt_"
)

// EventTypes are every type, in the order the docs list them.
var EventTypes = []EventType{
	EventPartnerCreated, EventPartnerUpdated, EventPartnerFormSubmitted, EventPartnerApproved, EventPartnerRejected,
	EventPartnerUserInvited, EventPartnerUserActivated, EventPartnerUserDisabled, EventPartnerUserEnabled,
	EventPartnerUserRemoved, EventPartnerUserMoved, EventPartnerUserRoleChanged, EventPartnerUserPasswordReset,
	EventInvitationCreated, EventInvitationSent, EventInvitationResent, EventInvitationAccepted,
	EventInvitationExpired, EventInvitationRevoked, EventInvitationDeclined, EventInvitationDeliveryFailed,
	EventInvitationBounced, EventInvitationComplained, EventWebhookEndpointDisabled,
}

// Valid reports whether t is a known event type.
func (t EventType) Valid() bool {
	for _, known := range EventTypes {
		if t == known {
			return true
		}
	}
	return false
}

// ActorKind is who caused a change.
type ActorKind string

// The kinds of actor.
const (
	ActorAPIKey      ActorKind = "api_key"      // a tenant's API key
	ActorPartnerUser ActorKind = "partner_user" // the invitee, on the activation page
	ActorSystem      ActorKind = "system"       // the product itself: the schedule, the email sender
)

// Actor is who caused a change, as an event reports it.
type Actor struct {
	Kind ActorKind
	ID   string // the key's id, the partner user's id; "" for the system
	Name string // the key's name, the partner user's email; "" for the system
}

// SystemActor is the product itself acting: the expiry schedule, the email
// sender, SES's delivery reports.
var SystemActor = Actor{Kind: ActorSystem}

// keyActor is the API key of a caller.
func keyActor(p Principal) Actor { return Actor{Kind: ActorAPIKey, ID: p.KeyID, Name: p.KeyName} }

// userActor is a partner user acting on their own invitation.
func userActor(u PartnerUser) Actor { return Actor{Kind: ActorPartnerUser, ID: u.ID, Name: u.Email} }

// Event is something that happened to a tenant's partner, partner user or
// invitation. It is derived from the change the store recorded (never from
// the request path), so that every committed change has exactly one, and
// only a committed change has one. It never holds a token or a link.
type Event struct {
	ID       string
	Type     EventType
	TenantID string
	At       time.Time
	// The subject: the invitation's, user's or partner's id, and the ids
	// of what it belongs to.
	SubjectID    string
	PartnerID    string
	UserID       string
	InvitationID string
	Actor        Actor
	// Object is the subject as it stood after the change (an Invitation, a
	// PartnerUser or a Partner): what the adapters render into Data.
	Object any
	// Data is the subject as the API shows it, rendered once, stored and
	// sent as it is.
	Data json.RawMessage
}

// eventID is the id of the n-th event (of type t) of a change: the same
// change always gives the same ids, so a consumer that sees a change twice
// (a retried batch) writes and sends each event once. It is a ULID of the
// event's time, so ids sort by time; within one millisecond, the events of
// one item sort in stream order — its entropy starts with the change's
// stream sequence number (increasing for one item) and the event's place
// in the change, and ends with a hash of the change and type, which keeps
// ids apart across items.
func eventID(c Change, n int, t EventType, at time.Time) string {
	var entropy [10]byte
	binary.BigEndian.PutUint64(entropy[:8], sequenceOrder(c.Sequence)<<8|uint64(n&0xff))
	sum := sha256.Sum256([]byte(c.Sequence + "\x00" + c.Source + "\x00" + string(t)))
	copy(entropy[8:], sum[:2])
	var id ulid.ULID
	if at.Before(time.UnixMilli(0)) {
		at = time.UnixMilli(0) // a zero time: the id still names the change
	}
	if err := id.SetTime(ulid.Timestamp(at)); err != nil {
		// Only a time past the year 10889 fails; it cannot come from a clock.
		panic(err)
	}
	if err := id.SetEntropy(entropy[:]); err != nil { // a ULID's 80 bits
		panic(err)
	}
	return eventIDPrefix + id.String()
}

// sequenceOrder is a stream sequence number's low 56 bits' worth of
// order: its last 16 decimal digits (below 2^56). Sequence numbers of one
// item increase; two records of one item 10^16 records apart never share
// a millisecond.
func sequenceOrder(seq string) uint64 {
	if len(seq) > 16 {
		seq = seq[len(seq)-16:]
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return 0 // not a decimal sequence number (tests): the hash decides
	}
	return n
}

// EventFilter narrows an event listing.
type EventFilter struct {
	Type      EventType
	PartnerID string
	SubjectID string
	// From and To bound the events' times: From inclusive, To exclusive;
	// zero for unbounded.
	From, To time.Time
}

// EventStore keeps the events, for the audit trail.
type EventStore interface {
	// PutEvent stores e (with Data); storing the same event again is not an
	// error and changes nothing: created says whether this call stored it.
	PutEvent(ctx context.Context, e Event, expiresAt time.Time) (created bool, err error)
	// ListEvents returns a page of a tenant's events, newest first.
	ListEvents(ctx context.Context, tenantID string, f EventFilter, position string, limit int) ([]Event, string, error)
}
