package partners

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Resend throttle: at most resendLimit reissues of one invitation an hour.
const (
	resendLimit  = 5
	resendWindow = time.Hour
)

// ResendInput asks for a new link for a pending invitation.
type ResendInput struct {
	SendEmail bool
	// EmailVerified vouches for the address of a link-only resend (see InviteInput).
	EmailVerified  bool
	ExpiresInHours int
	// Force sends the email even to an address that bounced for good or
	// complained (see PartnerUser.EmailBouncedAt).
	Force bool
}

// ResendInvitation gives a pending invitation a new link and a new lifetime,
// and mails it unless SendEmail is false; the old link dies. At most five
// resends an hour per invitation (RateLimited). An address that bounced for
// good or complained is not mailed unless Force (Conflict,
// recipient_bounced or recipient_complained).
func (s *Service) ResendInvitation(ctx context.Context, id string, in ResendInput) (InviteResult, error) {
	if _, err := authorize(ctx, PermInvite); err != nil {
		return InviteResult{}, err
	}
	for attempt := 1; ; attempt++ {
		inv, err := s.GetInvitation(ctx, id)
		if err != nil {
			return InviteResult{}, err
		}
		ic, _, err := s.prefetchedInvite(ctx, inv.PartnerID, nil)
		if err != nil {
			return InviteResult{}, err
		}
		if st := inv.StatusAt(ic.now); st != InvitationPending && st != InvitationExpired {
			return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("The invitation is %s; only a pending or expired invitation can be resent.", st),
				Details: map[string]any{"code": "invitation_" + string(st)}}
		}
		switch user, found, err := s.ownerOf(ctx, inv); {
		case err != nil:
			return InviteResult{}, err
		case found && user.InvitationID != inv.ID:
			return InviteResult{}, &Error{Kind: Conflict,
				Message: "A newer invitation replaced this one for the same person; resend or revoke that one.",
				Details: map[string]any{"code": "invitation_replaced"}}
		case found && user.Status != UserInvited:
			// Cannot be retried into success: say so rather than race.
			return InviteResult{}, &Error{Kind: Conflict,
				Message: fmt.Sprintf("%s is %s; there is nothing to resend.", inv.Email, user.Status),
				Details: map[string]any{"code": "user_" + string(user.Status), "user_id": user.ID}}
		case found:
			if err := recipientFlagged(user, in.SendEmail, in.Force); err != nil {
				return InviteResult{}, err
			}
		}
		invite := InviteInput{Email: inv.Email, Role: inv.Role, Template: inv.Template, SendEmail: in.SendEmail, EmailVerified: in.EmailVerified, ExpiresInHours: in.ExpiresInHours, Force: in.Force}
		var fe fieldErrors
		checkExpiresIn(&fe, "", in.ExpiresInHours)
		if err := fe.err(); err != nil {
			return InviteResult{}, err
		}
		res, err := s.reissue(ctx, ic, inv, nil, invite, false)
		if errors.Is(err, errLostRace) && attempt < maxInviteAttempts {
			continue
		}
		return res, err
	}
}

// replacedForUser reports whether inv's user has moved on to a newer
// invitation (the tenant invited the address again after inv ended). Such
// an invitation is history: resending or renewing it would give one person
// two live links.
func (s *Service) replacedForUser(ctx context.Context, inv Invitation) (bool, error) {
	user, found, err := s.ownerOf(ctx, inv)
	return found && user.InvitationID != inv.ID, err
}

// ownerOf returns the user an invitation invites, if it still exists.
func (s *Service) ownerOf(ctx context.Context, inv Invitation) (PartnerUser, bool, error) {
	user, err := s.Invitations.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID)
	switch {
	case IsKind(err, NotFound):
		return PartnerUser{}, false, nil
	case err != nil:
		return PartnerUser{}, false, fmt.Errorf("get user of invitation %s: %w", inv.ID, err)
	}
	return user, true, nil
}
