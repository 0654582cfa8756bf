package partners

// Change is one committed change of a partner, partner user or invitation,
// as the store's change stream reports it: the item before and after.
// Exactly one of each pair is set, or none when the item did not exist on
// that side (a creation has no Old; a deletion has no New).
type Change struct {
	// Sequence is the stream record's sequence number and Source the
	// item's key: together they name the change, stably across
	// redeliveries.
	Sequence string
	Source   string
	// Purged marks a deletion by the table's TTL rather than by a caller:
	// it is housekeeping, never an event.
	Purged bool

	OldInvitation, NewInvitation *Invitation
	OldUser, NewUser             *PartnerUser
	OldPartner, NewPartner       *Partner
	OldEndpoint, NewEndpoint     *WebhookEndpoint
}

// EventsOf are the events of a change, in the order they happened: a
// status change before the delivery change it came with. A change that
// means nothing to a tenant (a delivery attempt, a requeue, a counter, a
// deletion) has none. This is the one place that decides what is an event.
func EventsOf(c Change) []Event {
	if c.Purged {
		return nil
	}
	var out []Event
	emit := func(t EventType, subject subjectOf) {
		e := subject.event()
		e.Type, e.ID = t, eventID(c, len(out), t, e.At)
		out = append(out, e)
	}
	switch {
	case c.NewInvitation != nil:
		inv := *c.NewInvitation
		for _, t := range invitationEvents(c.OldInvitation, inv) {
			emit(t, invitationSubject{inv, t})
		}
	case c.NewUser != nil:
		u := *c.NewUser
		switch old := c.OldUser; {
		case old == nil && u.MovedFrom != "":
			// A move writes the user anew under its new partner.
			emit(EventPartnerUserMoved, userSubject{u})
		case old == nil && u.Status == UserInvited:
			emit(EventPartnerUserInvited, userSubject{u})
		case old != nil && old.Status == UserInvited && u.Status == UserActive:
			emit(EventPartnerUserActivated, userSubject{u})
		case old != nil && old.Status == UserActive && u.Status == UserDisabled:
			emit(EventPartnerUserDisabled, userSubject{u})
		case old != nil && old.Status == UserDisabled && u.Status == UserActive:
			emit(EventPartnerUserEnabled, userSubject{u})
		case old != nil && old.Status != UserRemoved && u.Status == UserRemoved:
			emit(EventPartnerUserRemoved, userSubject{u})
		case old != nil && u.PasswordResetAt.After(old.PasswordResetAt):
			emit(EventPartnerUserPasswordReset, userSubject{u})
		}
	case c.NewPartner != nil:
		p := *c.NewPartner
		switch old := c.OldPartner; {
		case old == nil:
			emit(EventPartnerCreated, partnerSubject{p})
		case p.Version > old.Version:
			for _, t := range partnerEvents(old, p) {
				emit(t, partnerSubject{p})
			}
		}
	case c.NewEndpoint != nil:
		if ep, old := *c.NewEndpoint, c.OldEndpoint; old != nil && !old.Disabled && ep.Disabled {
			emit(EventWebhookEndpointDisabled, endpointSubject{ep})
		}
	}
	return out
}

// partnerEvents are the event types of one change of a partner: its
// onboarding steps, or else partner.updated.
func partnerEvents(old *Partner, p Partner) []EventType {
	var out []EventType
	if !p.FormSubmittedAt.Equal(old.FormSubmittedAt) && !p.FormSubmittedAt.IsZero() {
		out = append(out, EventPartnerFormSubmitted)
	}
	if p.OnboardingStatus != old.OnboardingStatus {
		switch p.OnboardingStatus {
		case OnboardingApproved:
			out = append(out, EventPartnerApproved)
		case OnboardingRejected:
			out = append(out, EventPartnerRejected)
		}
	}
	if len(out) == 0 {
		out = append(out, EventPartnerUpdated)
	}
	return out
}

// invitationEvents are the event types of one change of an invitation.
func invitationEvents(old *Invitation, inv Invitation) []EventType {
	if old == nil {
		return []EventType{EventInvitationCreated}
	}
	var out []EventType
	if inv.Status != old.Status {
		if t, ok := statusEvents[inv.Status]; ok {
			out = append(out, t)
		}
	}
	if inv.SendSeq > old.SendSeq {
		// A reissue: its delivery starts again, so no delivery event with it.
		return append(out, EventInvitationResent)
	}
	if inv.Delivery.Status != old.Delivery.Status {
		if t, ok := deliveryEvents[inv.Delivery.Status]; ok {
			out = append(out, t)
		}
	}
	return out
}

var statusEvents = map[InvitationStatus]EventType{
	InvitationAccepted: EventInvitationAccepted,
	InvitationExpired:  EventInvitationExpired,
	InvitationRevoked:  EventInvitationRevoked,
	InvitationDeclined: EventInvitationDeclined,
}

var deliveryEvents = map[DeliveryStatus]EventType{
	DeliverySent:       EventInvitationSent,
	DeliveryFailed:     EventInvitationDeliveryFailed,
	DeliveryBounced:    EventInvitationBounced,
	DeliveryComplained: EventInvitationComplained,
}

// subjectOf is what an event is about: it fills the event's subject, time,
// actor and object.
type subjectOf interface{ event() Event }

type invitationSubject struct {
	inv Invitation
	t   EventType
}

func (s invitationSubject) event() Event {
	inv := s.inv
	at, actor := inv.UpdatedAt, inv.ChangedBy
	if deliveryEventTypes[s.t] {
		// A delivery change is the sender's (or SES's), made at its own time.
		actor = SystemActor
		if !inv.Delivery.UpdatedAt.IsZero() { // unset on items older than events
			at = inv.Delivery.UpdatedAt
		}
	}
	inv.TokenHash, inv.SealedToken = "", ""
	return Event{
		TenantID: inv.TenantID, At: at, SubjectID: inv.ID, PartnerID: inv.PartnerID, UserID: inv.UserID,
		InvitationID: inv.ID, Actor: actor, Object: inv,
	}
}

var deliveryEventTypes = func() map[EventType]bool {
	m := map[EventType]bool{}
	for _, t := range deliveryEvents {
		m[t] = true
	}
	return m
}()

type userSubject struct{ u PartnerUser }

func (s userSubject) event() Event {
	u := s.u
	return Event{
		TenantID: u.TenantID, At: u.UpdatedAt, SubjectID: u.ID, PartnerID: u.PartnerID, UserID: u.ID,
		InvitationID: u.InvitationID, Actor: u.ChangedBy, Object: u,
	}
}

type partnerSubject struct{ p Partner }

func (s partnerSubject) event() Event {
	p := s.p
	return Event{TenantID: p.TenantID, At: p.UpdatedAt, SubjectID: p.ID, PartnerID: p.ID, Actor: p.ChangedBy, Object: p}
}

type endpointSubject struct{ ep WebhookEndpoint }

func (s endpointSubject) event() Event {
	ep := s.ep
	actor := ep.ChangedBy
	if ep.DisabledReason == WebhookDisabledByFailure {
		actor = SystemActor
	}
	ep.Secrets = nil
	return Event{TenantID: ep.TenantID, At: ep.UpdatedAt, SubjectID: ep.ID, Actor: actor, Object: ep}
}
