package partners

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The invitation statuses.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationExpired  InvitationStatus = "expired"
	InvitationRevoked  InvitationStatus = "revoked"
	// InvitationDeclined: the invitee said "this isn't for me".
	InvitationDeclined InvitationStatus = "declined"
)

func (s InvitationStatus) valid() bool {
	switch s {
	case InvitationPending, InvitationAccepted, InvitationExpired, InvitationRevoked, InvitationDeclined:
		return true
	}
	return false
}

// Invitation invites one partner user; reissuing it (resend) rotates its token.
type Invitation struct {
	ID          string
	TenantID    string
	PartnerID   string
	UserID      string
	Email       string // as typed
	Role        string
	Status      InvitationStatus // as stored; see StatusAt
	TokenHash   string
	ExpiresAt   time.Time
	InvitedBy   string // the API key that invited
	InviterName string
	RedirectURL string
	// Template is the named email template the invitation is emailed with,
	// on every issue (resends and renewals too); empty is the default.
	Template string
	Delivery Delivery
	// TenantVerifiedEmail is set when the tenant vouched for the address of
	// this link-only issue: acceptance then marks the login's email verified.
	TenantVerifiedEmail bool
	// SendSeq counts the issues of this invitation (first send, resends); the
	// email sender acts only on the latest.
	SendSeq int
	// SealedToken is the token sealed for the email sender while a send is
	// queued; it is removed once the email is sent.
	SealedToken string
	// ResentAt holds the reissue times within the last hour, for the throttle.
	ResentAt  []time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// ChangedBy is who made the latest change (not the delivery's).
	ChangedBy  Actor
	AcceptedAt time.Time
	RevokedAt  time.Time
	DeclinedAt time.Time
	// RenewalRequestedAt is when the invitee last asked for a new link from
	// the page of an expired one.
	RenewalRequestedAt time.Time
	// PurgeAt is when the table deletes an ended invitation (its TTL): the
	// end plus the tenant's retention. Zero while it is pending.
	PurgeAt time.Time
}

// end marks inv as ending with status at now, by actor, to be purged after
// the retention.
func (inv *Invitation) end(status InvitationStatus, now time.Time, actor Actor, retention time.Duration) {
	inv.Status, inv.UpdatedAt, inv.ChangedBy, inv.SealedToken = status, now, actor, ""
	inv.PurgeAt = now.Add(retention)
}

// StatusAt is the invitation's status at a moment: a pending invitation whose
// expiry has passed is expired, whether or not anything has marked it so.
func (i Invitation) StatusAt(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// EmailClaim makes an email belong to one partner of a tenant.
type EmailClaim struct {
	TenantID  string
	Email     string // normalised
	PartnerID string
	UserID    string
}

// NewInvitation is everything one invitation writes in one transaction: the
// claim (when the email is new to the tenant), the user (new, or existing and
// still on its previous invitation), the invitation and its token.
type NewInvitation struct {
	Claim   *EmailClaim
	User    PartnerUser
	NewUser bool
	// PreviousInvitationID is the existing user's invitation being replaced by
	// a new one; the write fails (Conflict) if the user has moved on.
	PreviousInvitationID string
	// PreviousSendSeq is that invitation's issue when it was read: the write
	// fails if it was reissued since (a resend or renewal of it racing this
	// re-invite), so that one person never holds two live links.
	PreviousSendSeq int
	Invitation      Invitation
	Token           Token
	// CheckPartner makes the write fail with NotFound unless the partner
	// exists, for callers that did not read it.
	CheckPartner bool
}

// MaxInvitationsPerWrite is how many new invitations one atomic write holds:
// four items each, within DynamoDB's 100 actions per transaction.
const MaxInvitationsPerWrite = 25

// InvitationFilter narrows an invitation listing.
type InvitationFilter struct {
	Status    InvitationStatus
	PartnerID string
	Email     string // normalised
}

// InvitationStore persists users, invitations, tokens and email claims.
type InvitationStore interface {
	// Prefetch reads a partner (NotFound if absent), its tenant's settings and
	// the claims on the given normalised emails (absent ones are left out of
	// the map) in as few round trips as it can.
	Prefetch(ctx context.Context, tenantID, partnerID string, emails []string) (Partner, Settings, map[string]EmailClaim, error)
	// CreateInvitations writes up to MaxInvitationsPerWrite new invitations
	// atomically. A *ConflictError if any condition fails (see
	// CreateInvitation): nothing is written then.
	CreateInvitations(ctx context.Context, batch []NewInvitation) error
	// GetEmailClaim returns the claim on a normalised email. NotFound if none.
	GetEmailClaim(ctx context.Context, tenantID, email string) (EmailClaim, error)
	// GetUser returns a partner user. NotFound if absent.
	GetUser(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error)
	// ListUsers returns a partner's users, oldest first, as ListPartners does.
	ListUsers(ctx context.Context, tenantID, partnerID string, f UserFilter, position string, limit int) ([]PartnerUser, string, error)
	// GetInvitation returns an invitation. NotFound if absent or another tenant's.
	GetInvitation(ctx context.Context, tenantID, invitationID string) (Invitation, error)
	// ListInvitations returns invitations newest first. It may filter by
	// status at now for speed, but the caller decides with StatusAt.
	ListInvitations(ctx context.Context, tenantID string, f InvitationFilter, now time.Time, position string, limit int) ([]Invitation, string, error)
	// CreateInvitation writes a NewInvitation atomically, or nothing and a
	// *ConflictError: ConflictPartnerMissing (only when CheckPartner),
	// ConflictEmailClaimed (the claim exists), ConflictUserChanged (the
	// existing user is no longer invited on PreviousInvitationID),
	// ConflictInvitationChanged (that invitation is no longer at
	// PreviousSendSeq), ConflictItemExists, or ConflictConcurrentWrite. When
	// several fail, the first in that order is reported.
	CreateInvitation(ctx context.Context, n NewInvitation) error
	// CreatePartnerWithInvitation writes a partner and the invitation of its
	// primary contact atomically, or nothing and a *ConflictError:
	// ConflictPartnerExists, then as CreateInvitation.
	CreatePartnerWithInvitation(ctx context.Context, p Partner, n NewInvitation) error
	// ReissueInvitation gives a pending invitation a new token: it writes the
	// new token and the invitation (and user, if set), if the stored
	// invitation is still at prev.SendSeq and pending and its user still
	// invited on it. Otherwise nothing, and a *ConflictError:
	// ConflictInvitationChanged, ConflictItemExists (the token),
	// ConflictUserChanged (the user moved to another invitation, activated,
	// or is gone), ConflictPartnerMissing (the partner is closed or gone),
	// ConflictConcurrentWrite.
	// Old tokens stay, pointing at the invitation, so that an old link can
	// say it was replaced; TTL purges them.
	ReissueInvitation(ctx context.Context, prev, next Invitation, token Token, user *PartnerUser) error
	// RevokeInvitation stores a revoked invitation, if the stored one is still
	// at inv.SendSeq and pending or expired (ConflictInvitationChanged
	// otherwise).
	RevokeInvitation(ctx context.Context, inv Invitation) error
	// DeclineInvitation stores inv declined if it is still pending with the
	// same token and issue (ConflictInvitationChanged otherwise).
	DeclineInvitation(ctx context.Context, inv Invitation) error
	// RecordRenewalRequest sets an invitation's RenewalRequestedAt, unless
	// one was recorded after notBefore (ConflictRenewalRecent).
	RecordRenewalRequest(ctx context.Context, tenantID, invitationID string, at, notBefore time.Time) error
	// GetToken returns a token by hash. NotFound if absent.
	GetToken(ctx context.Context, hash string) (Token, error)
}

// GetInvitation returns one of the caller's invitations.
func (s *Service) GetInvitation(ctx context.Context, id string) (Invitation, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Invitation{}, err
	}
	if !validID(invitationIDPrefix, id) {
		return Invitation{}, Errorf(NotFound, "No invitation %s.", id)
	}
	inv, err := s.Invitations.GetInvitation(ctx, caller.TenantID, id)
	if err != nil {
		return Invitation{}, fmt.Errorf("get invitation %s: %w", id, err)
	}
	return inv, nil
}

// ListInvitations returns a page of the caller's invitations, newest first.
func (s *Service) ListInvitations(ctx context.Context, f InvitationFilter, limit int, cursor string) (Page[Invitation], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[Invitation]{}, err
	}
	var fe fieldErrors
	if f.Status != "" && !f.Status.valid() {
		fe.add("status", "invalid_choice", "status must be one of pending, accepted, expired, revoked, declined.")
	}
	if f.PartnerID != "" && !validID(partnerIDPrefix, f.PartnerID) {
		fe.add("partner_id", "invalid_id", "partner_id is not a partner id.")
	}
	f.Email = NormalizeEmail(f.Email)
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[Invitation]{}, err
	}
	query := "invitations?" + url.Values{"status": {string(f.Status)}, "partner_id": {f.PartnerID}, "email": {f.Email}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[Invitation]{}, err
		}
	}
	now := timestamp(s.Clock)
	items, next, err := s.Invitations.ListInvitations(ctx, caller.TenantID, f, now, position, limit)
	if err != nil {
		return Page[Invitation]{}, fmt.Errorf("list invitations: %w", err)
	}
	page := Page[Invitation]{Items: matching(items, f.Status, now)}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}

// matching keeps the invitations whose status at now is the one asked for.
// The store filters too, for speed; this is the rule (StatusAt) deciding.
func matching(items []Invitation, status InvitationStatus, now time.Time) []Invitation {
	if status == "" {
		return items
	}
	kept := items[:0]
	for _, inv := range items {
		if inv.StatusAt(now) == status {
			kept = append(kept, inv)
		}
	}
	return kept
}
