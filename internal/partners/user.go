package partners

import (
	"context"
	"fmt"
	"net/url"
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
	Sub string
	// MovedFrom is the partner the tenant last moved the user from.
	MovedFrom string
	// PurgeAt is when the table deletes a removed user's record.
	PurgeAt time.Time
	// EmailBouncedAt is when email to the user's address bounced for good,
	// and EmailComplainedAt when they marked one as spam (SES's reports):
	// emailing them again needs force. A later delivery clears both.
	EmailBouncedAt    time.Time
	EmailComplainedAt time.Time
	// PasswordResetAt is when the user last set a new password with a
	// reset link (the event partner_user.password_reset).
	PasswordResetAt time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// ChangedBy is who made the latest change.
	ChangedBy Actor
}

// UserFilter narrows a partner user listing. Without a status, removed
// users are left out.
type UserFilter struct {
	Status UserStatus
}

// ListUsers returns a page of a partner's users, oldest first.
func (s *Service) ListUsers(ctx context.Context, partnerID string, f UserFilter, limit int, cursor string) (Page[PartnerUser], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[PartnerUser]{}, err
	}
	if _, err := s.GetPartner(ctx, partnerID); err != nil {
		return Page[PartnerUser]{}, err
	}
	var fe fieldErrors
	switch f.Status {
	case "", UserInvited, UserActive, UserDisabled, UserRemoved:
	default:
		fe.add("status", "invalid_choice", "status must be one of invited, active, disabled, removed.")
	}
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[PartnerUser]{}, err
	}
	query := "users?" + url.Values{"partner_id": {partnerID}, "status": {string(f.Status)}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[PartnerUser]{}, err
		}
	}
	items, next, err := s.Invitations.ListUsers(ctx, caller.TenantID, partnerID, f, position, limit)
	if err != nil {
		return Page[PartnerUser]{}, fmt.Errorf("list users: %w", err)
	}
	page := Page[PartnerUser]{Items: items}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}
