package partners

import (
	"context"
	"fmt"
)

// RevokeInvitation kills a pending (or expired) invitation's link.
func (s *Service) RevokeInvitation(ctx context.Context, id string) (Invitation, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return Invitation{}, err
	}
	for attempt := 1; ; attempt++ {
		inv, err := s.GetInvitation(ctx, id)
		if err != nil {
			return Invitation{}, err
		}
		now := timestamp(s.Clock)
		// An expired invitation can be revoked too: its link is dead already,
		// but the tenant's record should say it was withdrawn, and a renewal
		// request can no longer bring it back.
		if st := inv.StatusAt(now); st != InvitationPending && st != InvitationExpired {
			return Invitation{}, &Error{Kind: Conflict, Message: fmt.Sprintf("The invitation is %s; only a pending or expired invitation can be revoked.", st),
				Details: map[string]any{"code": "invitation_" + string(st)}}
		}
		st, err := s.cachedSettings(ctx, caller.TenantID)
		if err != nil {
			return Invitation{}, err
		}
		next := inv
		next.end(InvitationRevoked, now, caller.actor(), st.Retention())
		next.RevokedAt = now
		err = s.Invitations.RevokeInvitation(ctx, next)
		if isConflict(err, ConflictInvitationChanged) {
			if attempt < maxInviteAttempts {
				continue
			}
			err = fmt.Errorf("%w: %w", Errorf(Conflict, "Invitation %s changed meanwhile.", id), err)
		}
		if err != nil {
			return Invitation{}, fmt.Errorf("revoke invitation %s: %w", id, err)
		}
		return next, nil
	}
}
