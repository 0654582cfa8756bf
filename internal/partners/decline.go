package partners

import (
	"context"
	"fmt"
)

// Decline is the invitee's "this isn't for me", posted from the page of a
// live link: the invitation becomes declined, its link dies, and the tenant
// hears of it (invitation.declined). The person may be invited again. A
// dead link is Gone with the view of its page; a resend or revoke that
// came first wins.
func (s *Service) Decline(ctx context.Context, token string) (ActivationView, error) {
	view, err := s.viewLink(ctx, token)
	if err != nil {
		return view, err
	}
	if view.Dead != "" {
		return view, &Error{Kind: Gone, Message: "This link no longer works.", Details: map[string]any{"reason": view.Dead}}
	}
	inv := view.Invitation
	st, err := s.cachedSettings(ctx, inv.TenantID)
	if err != nil {
		return view, err
	}
	now := timestamp(s.Clock)
	declined := inv
	declined.end(InvitationDeclined, now, Actor{Kind: ActorPartnerUser, ID: inv.UserID, Name: inv.Email}, st.Retention())
	declined.DeclinedAt = now
	err = s.Invitations.DeclineInvitation(ctx, declined)
	if isConflict(err, ConflictInvitationChanged) {
		// It changed since it was read: its page says what it is now.
		again, verr := s.viewLink(ctx, token)
		if verr != nil {
			return view, verr
		}
		reason := again.Dead
		if reason == "" {
			reason = "replaced"
		}
		return again, &Error{Kind: Gone, Message: "This link no longer works.", Details: map[string]any{"reason": reason}}
	}
	if err != nil {
		return view, fmt.Errorf("decline %s: %w", inv.ID, err)
	}
	view.Invitation = declined
	return view, nil
}
