package partners

import (
	"context"
	"fmt"
)

// RemoveUser takes a person out of a partner: a pending invitation is
// revoked, their membership ends, their email is free for any partner, and
// their login — when it has no other active membership in the tenant — is
// disabled and signed out. The user's record stays, `removed`, for the
// audit trail, until the tenant's retention purges it.
func (s *Service) RemoveUser(ctx context.Context, partnerID, userID string) (PartnerUser, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return PartnerUser{}, err
	}
	st, err := s.cachedSettings(ctx, caller.TenantID)
	if err != nil {
		return PartnerUser{}, err
	}
	for attempt := 1; ; attempt++ {
		user, err := s.userOf(ctx, caller.TenantID, partnerID, userID)
		if err != nil {
			return PartnerUser{}, err
		}
		if user.Status == UserInvited && user.InvitationID != "" {
			if err := s.revokeForRemoval(ctx, caller, user, st); err != nil {
				return PartnerUser{}, err
			}
		}
		removed := user
		removed.Status, removed.UpdatedAt, removed.ChangedBy = UserRemoved, timestamp(s.Clock), keyActor(caller)
		removed.PurgeAt = removed.UpdatedAt.Add(st.Retention())
		err = s.Access.RemoveUser(ctx, user, removed)
		if isConflict(err, ConflictUserChanged) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return PartnerUser{}, fmt.Errorf("remove user %s: %w", userID, err)
		}
		if removed.Sub != "" {
			if err := s.followLogin(ctx, removed); err != nil {
				return PartnerUser{}, err
			}
		}
		if err := s.dropPrimaryAdmin(ctx, caller, partnerID, userID); err != nil {
			return PartnerUser{}, err
		}
		return removed, nil
	}
}

// revokeForRemoval revokes the pending (or lapsed) invitation of a user
// being removed, so that its link dies with the membership it would give.
func (s *Service) revokeForRemoval(ctx context.Context, caller Principal, user PartnerUser, st Settings) error {
	inv, err := s.Invitations.GetInvitation(ctx, user.TenantID, user.InvitationID)
	if err != nil {
		return fmt.Errorf("get invitation of %s: %w", user.ID, err)
	}
	if inv.Status != InvitationPending {
		return nil
	}
	now := timestamp(s.Clock)
	next := inv
	next.end(InvitationRevoked, now, keyActor(caller), st.Retention())
	next.RevokedAt = now
	if err := s.Invitations.RevokeInvitation(ctx, next); err != nil && !isConflict(err, ConflictInvitationChanged) {
		return fmt.Errorf("revoke invitation %s: %w", inv.ID, err)
	}
	return nil
}

// MoveUser moves a person, with their login and membership, to another of
// the tenant's partners: the fix for an email registered under the wrong
// partner. Their role and status stay; a pending invitation moves with
// them, so its link now joins the new partner.
func (s *Service) MoveUser(ctx context.Context, partnerID, userID, toPartnerID string) (PartnerUser, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return PartnerUser{}, err
	}
	if !validID(partnerIDPrefix, toPartnerID) {
		return PartnerUser{}, InvalidField("partner_id", "invalid_id", "partner_id is not a partner id.")
	}
	if toPartnerID == partnerID {
		return PartnerUser{}, InvalidField("partner_id", "same_partner", "partner_id is the partner the user is in already.")
	}
	target, err := s.Partners.GetPartner(ctx, caller.TenantID, toPartnerID)
	switch {
	case IsKind(err, NotFound):
		return PartnerUser{}, InvalidField("partner_id", "not_found", "partner_id names no partner of this tenant.")
	case err != nil:
		return PartnerUser{}, fmt.Errorf("get partner %s: %w", toPartnerID, err)
	}
	if err := target.inviteRefusal(); err != nil {
		return PartnerUser{}, err
	}
	for attempt := 1; ; attempt++ {
		user, err := s.userOf(ctx, caller.TenantID, partnerID, userID)
		if err != nil {
			return PartnerUser{}, err
		}
		moved := user
		moved.PartnerID, moved.MovedFrom = toPartnerID, partnerID
		moved.UpdatedAt, moved.ChangedBy = timestamp(s.Clock), keyActor(caller)
		m, inv, err := s.movingWith(ctx, user, moved)
		if err != nil {
			return PartnerUser{}, err
		}
		err = s.Access.MoveUser(ctx, user, moved, m, inv)
		switch {
		case isConflict(err, ConflictPartnerMissing):
			return PartnerUser{}, s.whyNotInvitable(ctx, caller.TenantID, toPartnerID, err)
		case isConflict(err, ConflictUserChanged, ConflictInvitationChanged) && attempt < maxUpdateAttempts:
			continue
		case err != nil:
			return PartnerUser{}, fmt.Errorf("move user %s: %w", userID, err)
		}
		if err := s.dropPrimaryAdmin(ctx, caller, partnerID, userID); err != nil {
			return PartnerUser{}, err
		}
		// Tokens issued before name the old partner: end them.
		if err := s.signOut(ctx, moved); err != nil {
			return PartnerUser{}, err
		}
		return moved, nil
	}
}

// movingWith is what moves with a user: their membership, and their
// pending invitation.
func (s *Service) movingWith(ctx context.Context, user, moved PartnerUser) (*Membership, *Invitation, error) {
	var m *Membership
	if user.Sub != "" {
		got, err := s.Access.GetMembership(ctx, user.Sub, user.TenantID, user.PartnerID)
		if err != nil && !IsKind(err, NotFound) {
			return nil, nil, fmt.Errorf("get membership of %s: %w", user.ID, err)
		}
		if err == nil {
			got.PartnerID = moved.PartnerID
			m = &got
		}
	}
	var inv *Invitation
	if user.Status == UserInvited && user.InvitationID != "" {
		got, err := s.Invitations.GetInvitation(ctx, user.TenantID, user.InvitationID)
		if err != nil {
			return nil, nil, fmt.Errorf("get invitation of %s: %w", user.ID, err)
		}
		if got.Status == InvitationPending || got.Status == InvitationExpired {
			// A lapsed link can be resent, renewed and purged: it moves
			// with the user, or those would look for the user where it was.
			got.PartnerID, got.UpdatedAt, got.ChangedBy = moved.PartnerID, moved.UpdatedAt, moved.ChangedBy
			inv = &got
		}
	}
	return m, inv, nil
}

// dropPrimaryAdmin clears a partner's primary admin who is no longer one of
// its users (removed, or moved away).
func (s *Service) dropPrimaryAdmin(ctx context.Context, caller Principal, partnerID, userID string) error {
	p, err := s.Partners.GetPartner(ctx, caller.TenantID, partnerID)
	if err != nil || p.PrimaryAdminUserID != userID {
		return err
	}
	_, err = s.changePartner(ctx, caller.TenantID, partnerID, keyActor(caller), func(q *Partner) error {
		if q.PrimaryAdminUserID == userID {
			q.PrimaryAdminUserID = ""
		}
		return nil
	})
	return err
}
