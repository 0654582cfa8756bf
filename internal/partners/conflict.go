package partners

import (
	"errors"
	"fmt"
)

// ConflictReason names the condition of a store write that did not hold.
// The store sets it where it builds each conditional action, so that the
// domain can tell "the email was taken meanwhile" from "the partner is gone"
// without knowing how the write was laid out.
type ConflictReason string

// The reasons a conditional write fails.
const (
	// ConflictEmailClaimed: the email was claimed since it was read
	// (Key is the normalised email).
	ConflictEmailClaimed ConflictReason = "email_claimed"
	// ConflictPartnerMissing: the partner the write names does not exist
	// (Key is the partner id).
	ConflictPartnerMissing ConflictReason = "partner_missing"
	// ConflictPartnerExists: a partner with the new partner's id exists.
	ConflictPartnerExists ConflictReason = "partner_exists"
	// ConflictUserChanged: the user moved on since it was read: another
	// invitation, or it activated (Key is the user id).
	ConflictUserChanged ConflictReason = "user_changed"
	// ConflictInvitationChanged: the invitation was reissued, accepted,
	// revoked or replaced since it was read (Key is the invitation id).
	ConflictInvitationChanged ConflictReason = "invitation_changed"
	// ConflictItemExists: an item the write creates exists already, such as
	// a token (Key names it).
	ConflictItemExists ConflictReason = "item_exists"
	// ConflictItemMissing: an item the write changes does not exist (Key
	// names it).
	ConflictItemMissing ConflictReason = "item_missing"
	// ConflictAlreadyDone: the work the write records was recorded by
	// another writer first, such as an import chunk (Key names the job).
	ConflictAlreadyDone ConflictReason = "already_done"
	// ConflictRenewalRecent: an invitee's renewal request was recorded less
	// than the interval ago (Key is the invitation id).
	ConflictRenewalRecent ConflictReason = "renewal_recent"
	// ConflictResetChanged: a password reset moved on since it was read:
	// a newer request, another link, or its link was used or claimed (Key
	// is the tenant id).
	ConflictResetChanged ConflictReason = "reset_changed"
	// ConflictConcurrentWrite: the write collided with another transaction
	// on the same items; nothing was decided, and trying again may succeed.
	ConflictConcurrentWrite ConflictReason = "concurrent_write"
)

// ConflictError is a store write refused because one of its conditions did
// not hold. It is the store's answer, not the caller's: the domain decides
// what it means (retry, 404, 409) and turns it into an *Error.
type ConflictError struct {
	Reason ConflictReason
	// Key identifies what the failed condition was about (see the reasons).
	Key string
	// Cause is the store's own error, for the logs.
	Cause error
}

// Unwrap returns the store's own error.
func (e *ConflictError) Unwrap() error { return e.Cause }

func (e *ConflictError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("write refused: %s", e.Reason)
	}
	return fmt.Sprintf("write refused: %s (%s)", e.Reason, e.Key)
}

// ConflictOf returns the ConflictError in err's chain, if any.
func ConflictOf(err error) (*ConflictError, bool) {
	var ce *ConflictError
	ok := errors.As(err, &ce)
	return ce, ok
}

// isConflict reports whether err's chain holds a ConflictError for one of
// the reasons.
func isConflict(err error, reasons ...ConflictReason) bool {
	ce, ok := ConflictOf(err)
	if !ok {
		return false
	}
	for _, r := range reasons {
		if ce.Reason == r {
			return true
		}
	}
	return false
}
