package partners

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// UserStatus is where a partner user stands.
type UserStatus string

// The partner user statuses.
const (
	UserInvited  UserStatus = "invited"
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// PartnerUser is a person of a partner organisation, invited or active.
type PartnerUser struct {
	ID        string
	TenantID  string
	PartnerID string
	FirstName string
	LastName  string
	Email     string // as typed
	JobTitle  string
	Phone     string // E.164
	Role      string
	Status    UserStatus
	// InvitationID is the user's latest invitation.
	InvitationID string
	// Sub is the user's login, once active.
	Sub       string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The invitation statuses.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationExpired  InvitationStatus = "expired"
	InvitationRevoked  InvitationStatus = "revoked"
)

func (s InvitationStatus) valid() bool {
	switch s {
	case InvitationPending, InvitationAccepted, InvitationExpired, InvitationRevoked:
		return true
	}
	return false
}

// DeliveryStatus is where an invitation's email stands.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryQueued  DeliveryStatus = "queued"   // written; the sender will mail it
	DeliverySent    DeliveryStatus = "sent"     // SES accepted it
	DeliveryFailed  DeliveryStatus = "failed"   // SES kept failing; resend to try again
	DeliveryNotSent DeliveryStatus = "not_sent" // send_email was false: the tenant took the link
)

// DeliveryReason says why a delivery failed for good.
type DeliveryReason string

// The reasons a delivery fails.
const (
	// ReasonExpiredInQueue: the retry window passed before the email could
	// be sent (the mail service kept failing, or the sender was behind).
	ReasonExpiredInQueue DeliveryReason = "expired_in_queue"
	// ReasonRejected: the mail service refused the message for good.
	ReasonRejected DeliveryReason = "rejected"
	// ReasonMissingData: what the email needs is gone (its sealed link, the
	// partner or the tenant).
	ReasonMissingData DeliveryReason = "missing_data"
	// The tenant's template could not be used for this email; the emails
	// package's Reason* codes (template_too_large, template_no_link, …).
)

// Delivery records the sending of an invitation's latest email.
type Delivery struct {
	Status    DeliveryStatus
	MessageID string
	Attempts  int
	LastError string
	// FailureReason is set when Status is failed.
	FailureReason DeliveryReason
	// NextAttemptAt is when a queued email that failed is tried again.
	NextAttemptAt time.Time
	// Requeues counts the times a failing send was put back in the queue
	// (each one is a new stream record: the email waits behind no one).
	Requeues int
	QueuedAt time.Time
	SentAt   time.Time
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
	Delivery    Delivery
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
	ResentAt   []time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	AcceptedAt time.Time
	RevokedAt  time.Time
	// RenewalRequestedAt is when the invitee last asked for a new link from
	// the page of an expired one.
	RenewalRequestedAt time.Time
}

// StatusAt is the invitation's status at a moment: a pending invitation whose
// expiry has passed is expired, whether or not anything has marked it so.
func (i Invitation) StatusAt(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// Token is the stored side of an activation link: its hash and what it opens.
type Token struct {
	Hash         string
	TenantID     string
	InvitationID string
	ExpiresAt    time.Time
}

// EmailClaim makes an email belong to one partner of a tenant.
type EmailClaim struct {
	TenantID  string
	Email     string // normalised
	PartnerID string
	UserID    string
}

// newToken returns a fresh activation token: 32 random bytes, base64url.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of an activation token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
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
	Invitation           Invitation
	Token                Token
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

// UserFilter narrows a partner user listing.
type UserFilter struct {
	Status UserStatus
}

// ErrEmailClaimed is returned by InvitationStore.CreateInvitation when the
// email was claimed since it was read: the caller reads the claim again.
var ErrEmailClaimed = &Error{Kind: Conflict, Message: "The email was claimed by another request."}

// InvitationStore persists users, invitations, tokens and email claims.
type InvitationStore interface {
	// Prefetch reads a partner (NotFound if absent), its tenant's settings and
	// the claims on the given normalised emails (absent ones are left out of
	// the map) in as few round trips as it can.
	Prefetch(ctx context.Context, tenantID, partnerID string, emails []string) (Partner, Settings, map[string]EmailClaim, error)
	// CreateInvitations writes up to MaxInvitationsPerWrite new invitations
	// atomically. ErrEmailClaimed if any of their emails is claimed.
	CreateInvitations(ctx context.Context, batch []NewInvitation) error
	// GetEmailClaim returns the claim on a normalised email. NotFound if none.
	GetEmailClaim(ctx context.Context, tenantID, email string) (EmailClaim, error)
	// GetUser returns a partner user. NotFound if absent.
	GetUser(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error)
	// ListUsers returns a partner's users, oldest first, as ListPartners does.
	ListUsers(ctx context.Context, tenantID, partnerID string, f UserFilter, position string, limit int) ([]PartnerUser, string, error)
	// GetInvitation returns an invitation. NotFound if absent or another tenant's.
	GetInvitation(ctx context.Context, tenantID, invitationID string) (Invitation, error)
	// ListInvitations returns invitations newest first; status filters use now.
	ListInvitations(ctx context.Context, tenantID string, f InvitationFilter, now time.Time, position string, limit int) ([]Invitation, string, error)
	// CreateInvitation writes a NewInvitation atomically. ErrEmailClaimed if
	// the claim exists; Conflict if the user moved on.
	CreateInvitation(ctx context.Context, n NewInvitation) error
	// CreatePartnerWithInvitation writes a partner and the invitation of its
	// primary contact atomically. ErrEmailClaimed if the email is claimed.
	CreatePartnerWithInvitation(ctx context.Context, p Partner, n NewInvitation) error
	// ReissueInvitation gives a pending invitation a new token: it writes the
	// new token and the invitation (and user, if set), if the stored
	// invitation is still at prev.SendSeq and pending. Conflict otherwise.
	// Old tokens stay, pointing at the invitation, so that an old link can
	// say it was replaced; TTL purges them.
	ReissueInvitation(ctx context.Context, prev, next Invitation, token Token, user *PartnerUser) error
	// RevokeInvitation stores a revoked invitation, if the stored one is still
	// at inv.SendSeq and pending or expired. Conflict otherwise.
	RevokeInvitation(ctx context.Context, inv Invitation) error
	// RecordRenewalRequest sets an invitation's RenewalRequestedAt, unless
	// one was recorded after notBefore (RateLimited).
	RecordRenewalRequest(ctx context.Context, tenantID, invitationID string, at, notBefore time.Time) error
	// GetToken returns a token by hash. NotFound if absent.
	GetToken(ctx context.Context, hash string) (Token, error)
}
