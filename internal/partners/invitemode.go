package partners

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// An invite runs in one of a few modes, which differ in what was read before
// the first write: the partner, the settings, the claims on the emails. Each
// mode has its own constructor below; the rules (invite.go) are the same.

// inviteContext is what every invite of one request shares.
type inviteContext struct {
	caller   Principal
	partner  Partner
	settings Settings
	now      time.Time
	// partnerRead is false when partner holds only the id: its existence is
	// then a condition of the write (a missing partner is still a 404).
	partnerRead bool
	// claims is where the first look at an email's claim comes from. After a
	// lost race an invite always reads the claim again.
	claims claimSource
	// onBehalf is who acts when it is not the caller's key (a renewal asked
	// for by the invitee); the zero Actor means the key.
	onBehalf Actor
}

// actor is who the invite's writes are recorded as made by.
func (ic inviteContext) actor() Actor {
	if ic.onBehalf.Kind != "" {
		return ic.onBehalf
	}
	return ic.caller.actor()
}

// claimSource answers an invite's first question: who holds this email?
type claimSource interface {
	// firstLook returns the claim on a normalised email, or found false
	// when the email was unclaimed as far as this mode knows.
	firstLook(ctx context.Context, s *Service, tenantID, email string) (claim EmailClaim, found bool, err error)
}

// assumeUnclaimed is the single invite's bet: most invites are of new
// emails, so the claim is written without reading it, and the write's
// condition finds out if the bet was wrong.
type assumeUnclaimed struct{}

func (assumeUnclaimed) firstLook(context.Context, *Service, string, string) (EmailClaim, bool, error) {
	return EmailClaim{}, false, nil
}

// prefetchedClaims are the claims read in one batch with the partner; an
// email not in the map was unclaimed then.
type prefetchedClaims map[string]EmailClaim

func (p prefetchedClaims) firstLook(_ context.Context, _ *Service, _, email string) (EmailClaim, bool, error) {
	c, ok := p[email]
	return c, ok, nil
}

// has reports whether the prefetch found a claim on a normalised email.
func (p prefetchedClaims) has(email string) bool {
	_, ok := p[email]
	return ok
}

// readEachClaim reads the claim from the store: the mode of every retry.
type readEachClaim struct{}

func (readEachClaim) firstLook(ctx context.Context, s *Service, tenantID, email string) (EmailClaim, bool, error) {
	return s.readClaim(ctx, tenantID, email)
}

// readClaim returns the stored claim on a normalised email, if any.
func (s *Service) readClaim(ctx context.Context, tenantID, email string) (EmailClaim, bool, error) {
	c, err := s.Invitations.GetEmailClaim(ctx, tenantID, email)
	switch {
	case IsKind(err, NotFound):
		return EmailClaim{}, false, nil
	case err != nil:
		return EmailClaim{}, false, fmt.Errorf("get claim on %s: %w", email, err)
	}
	return c, true, nil
}

// singleInvite is the mode of POST /v1/partners/{id}/users. The common case
// — a new email — costs one DynamoDB round trip: settings come from a
// short-lived cache, the claim is assumed free, and the partner's existence
// is a condition of the write. The partner is read first only when a
// national phone number needs its country.
func (s *Service) singleInvite(ctx context.Context, caller Principal, partnerID, phone string) (inviteContext, error) {
	st, err := s.cachedSettings(ctx, caller.TenantID)
	if err != nil {
		return inviteContext{}, err
	}
	ic := inviteContext{
		caller: caller, settings: st, now: timestamp(s.Clock), claims: assumeUnclaimed{},
		partner: Partner{ID: partnerID, TenantID: caller.TenantID},
	}
	if phone = strings.TrimSpace(phone); phone != "" && !strings.HasPrefix(phone, "+") {
		if ic.partner, err = s.GetPartner(ctx, partnerID); err != nil {
			return inviteContext{}, err
		}
		ic.partnerRead = true
	}
	return ic, nil
}

// prefetchedInvite is the mode of bulk invites, imports and resends: it
// checks the caller may invite, then reads the partner, the settings and the
// claims on the given emails in one round trip (NotFound for an unknown
// partner).
func (s *Service) prefetchedInvite(ctx context.Context, partnerID string, emails []string) (inviteContext, prefetchedClaims, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return inviteContext{}, nil, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return inviteContext{}, nil, Errorf(NotFound, "No partner %s.", partnerID)
	}
	normalized := make([]string, 0, len(emails))
	for _, e := range emails {
		if ValidEmail(strings.TrimSpace(e)) {
			normalized = append(normalized, NormalizeEmail(e))
		}
	}
	p, st, claims, err := s.Invitations.Prefetch(ctx, caller.TenantID, partnerID, normalized)
	if err != nil {
		return inviteContext{}, nil, fmt.Errorf("invite to partner %s: %w", partnerID, err)
	}
	pre := prefetchedClaims(claims)
	ic := inviteContext{caller: caller, partner: p, partnerRead: true, settings: st, now: timestamp(s.Clock), claims: pre}
	return ic, pre, nil
}

// contactInvite is the mode of a new partner's primary contact: the partner
// is the one being created, in the same write.
func contactInvite(caller Principal, p Partner, st Settings) inviteContext {
	return inviteContext{caller: caller, partner: p, partnerRead: true, settings: st, now: p.CreatedAt, claims: readEachClaim{}}
}

// renewalInvite is the mode of an invitee's own request for a new link:
// the invitation is reissued on behalf of the key that invited.
func renewalInvite(inv Invitation, st Settings, now time.Time) inviteContext {
	return inviteContext{
		caller:   Principal{TenantID: inv.TenantID, KeyID: inv.InvitedBy, Role: RoleManager},
		partner:  Partner{ID: inv.PartnerID, TenantID: inv.TenantID},
		settings: st, now: now, claims: readEachClaim{},
		onBehalf: Actor{Kind: ActorPartnerUser, ID: inv.UserID, Name: inv.Email},
	}
}

// rereading is the same invite context with claims read afresh: for entries
// whose batch lost a race.
func (ic inviteContext) rereading() inviteContext {
	ic.claims = readEachClaim{}
	return ic
}
