package partners

import (
	"context"
	"strings"
	"time"
)

// A password reset lets a partner whose login lives in a tenant's pool set
// a new password from a link emailed to the login's address. Asking for
// one never says whether the address has a login there: the request only
// queues work (RequestPasswordReset), and the email sender decides, off the
// request path, whether there is an active login to mail (ResetMailer).

// PasswordResetLifetime is how long a reset link works.
const PasswordResetLifetime = time.Hour

// The request limits: per address (of one tenant) and per tenant, in fixed
// hours. A request over either gets the same answer as any other, and
// queues nothing.
const (
	ResetRequestsPerAddressPerHour = 3
	ResetRequestsPerTenantPerHour  = 300
)

// resetClaimLease is how long one submit of a reset link holds it while it
// sets the password: a submit that died mid-way frees the link after it.
const resetClaimLease = time.Minute

// ResetStatus is where a reset request's email stands.
type ResetStatus string

// The reset statuses.
const (
	ResetQueued  ResetStatus = "queued"   // asked for; the sender will decide and mail
	ResetSent    ResetStatus = "sent"     // SES accepted the email with a live link
	ResetNoLogin ResetStatus = "no_login" // no active login at the tenant: nothing sent
	ResetFailed  ResetStatus = "failed"   // the email could not be sent within the retry window
)

// PasswordReset is the latest reset request of one address at one tenant,
// and the link it was answered with. There is one per tenant and address:
// a new request replaces the previous link when its email goes out.
type PasswordReset struct {
	TenantID string
	Email    string // normalised
	// Seq counts the requests; each one queues a send.
	Seq         int
	Status      ResetStatus
	RequestedAt time.Time

	// The email's delivery: as an invitation's (see Delivery).
	Attempts      int
	Requeues      int
	NextAttemptAt time.Time
	MessageID     string
	LastError     string
	UpdatedAt     time.Time

	// The live link: the hash of its token, when it dies, the login it
	// resets (the partner user and the sub it had when it was mailed), and
	// its use.
	TokenHash      string
	TokenExpiresAt time.Time
	PartnerID      string
	UserID         string
	Sub            string
	// ClaimedAt is set while a submit sets the password (a lease); UsedAt
	// once it has.
	ClaimedAt time.Time
	UsedAt    time.Time
}

// ResetToken is the stored side of a reset link: its hash and what it opens.
type ResetToken struct {
	Hash      string
	TenantID  string
	Email     string // normalised
	ExpiresAt time.Time
}

// PasswordResetStore keeps reset requests, their links and their counts.
type PasswordResetStore interface {
	// QueuePasswordReset records a request at now: the reset of the address
	// is made or its Seq moves on, with its delivery queued afresh. The live
	// link, if any, is left as it is until the new email replaces it.
	QueuePasswordReset(ctx context.Context, tenantID, email string, now time.Time) error
	// GetPasswordReset reads the reset of an address, strongly consistent.
	// NotFound if the address never asked.
	GetPasswordReset(ctx context.Context, tenantID, email string) (PasswordReset, error)
	// IssuePasswordResetLink stores, in one transaction, the token and the
	// reset r with it as its live link — if the stored reset is still
	// queued at r.Seq (ConflictResetChanged otherwise).
	IssuePasswordResetLink(ctx context.Context, r PasswordReset, t ResetToken) error
	// RecordPasswordResetDelivery stores r's status and delivery fields if
	// the stored reset is still at r.Seq (ConflictResetChanged otherwise).
	RecordPasswordResetDelivery(ctx context.Context, r PasswordReset) error
	// GetResetToken returns a reset token by hash, strongly consistent.
	// NotFound if none.
	GetResetToken(ctx context.Context, hash string) (ResetToken, error)
	// ClaimPasswordReset takes the live link hash for one submit at now,
	// if it is unused and unclaimed or its claim is older than staleBefore
	// (ConflictResetChanged otherwise).
	ClaimPasswordReset(ctx context.Context, tenantID, email, hash string, now, staleBefore time.Time) error
	// ReleasePasswordReset gives a claim made at claimedAt back.
	ReleasePasswordReset(ctx context.Context, tenantID, email, hash string, claimedAt time.Time) error
	// FinishPasswordReset marks, in one transaction, the link used (if it
	// is still hash, claimed at claimedAt: ConflictResetChanged) and the
	// partner user's password reset at user.PasswordResetAt (if the user is
	// still active: ConflictUserChanged).
	FinishPasswordReset(ctx context.Context, tenantID, email, hash string, claimedAt time.Time, user PartnerUser) error
	// CountAddressResetRequest and CountTenantResetRequest count one
	// request in the hour that starts at hour, unless the count is at limit
	// (false).
	CountAddressResetRequest(ctx context.Context, tenantID, email string, hour time.Time, limit int) (bool, error)
	CountTenantResetRequest(ctx context.Context, tenantID string, hour time.Time, limit int) (bool, error)
}

// ResetURL is the link of a reset token.
func ResetURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/reset-password/" + token
}

// ForgotPasswordPath is the path of a tenant's "forgot your password?"
// page, relative to the API's root.
func ForgotPasswordPath(tenantID string) string { return "forgot-password/" + tenantID }
