package partners

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Portal access: a tenant turns a partner user's access off and on, changes
// their role, removes them, or moves them to another of its partners. The
// table is written first, in one transaction per change; the login in the
// tenant's pool follows (disabled, signed out, enabled), and a retry of the
// same request converges on both.

// UserRemoved is the status of a user the tenant removed: their email is
// free for another partner, their login has no membership left here, and
// the record stays (for the audit trail) until the tenant's retention ends.
const UserRemoved UserStatus = "removed"

// UserPatch changes a partner user's access or role; nil fields stay.
type UserPatch struct {
	PortalAccess *bool
	Role         *string
}

// AccessStore writes the changes of a user's access.
type AccessStore interface {
	// SetUserAccess replaces the user (status, role) and, when m is set,
	// its membership, in one transaction — if the stored user is still as
	// prev (status and updated_at; ConflictUserChanged otherwise). inv,
	// when set, is the user's latest invitation (pending or expired) with
	// its new role, written if still so at its issue
	// (ConflictInvitationChanged).
	SetUserAccess(ctx context.Context, prev, next PartnerUser, m *Membership, inv *Invitation) error
	// RemoveUser writes the user removed (with its PurgeAt), deletes its
	// claim on the email and its membership (when it has a login), if the
	// stored user is still as prev.
	RemoveUser(ctx context.Context, prev, removed PartnerUser) error
	// MoveUser moves the user (prev, under its partner) to moved.PartnerID:
	// the user item, the claim, the membership (when m is set) and the
	// pending invitation (when inv is set) — if the target partner takes
	// people in (ConflictPartnerMissing) and nothing moved meanwhile.
	MoveUser(ctx context.Context, prev, moved PartnerUser, m *Membership, inv *Invitation) error
	// GetMembership returns the membership of a login in a tenant's
	// partner. NotFound if none.
	GetMembership(ctx context.Context, sub, tenantID, partnerID string) (Membership, error)
}

// UpdateUser turns a user's portal access off or on, or changes their role.
// Turning it off disables the membership and, when the login has no other
// active membership in the tenant, disables the login and signs it out.
func (s *Service) UpdateUser(ctx context.Context, partnerID, userID string, patch UserPatch) (PartnerUser, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return PartnerUser{}, err
	}
	st, err := s.cachedSettings(ctx, caller.TenantID)
	if err != nil {
		return PartnerUser{}, err
	}
	if patch.Role != nil {
		r := strings.TrimSpace(*patch.Role)
		if !st.HasRole(r) {
			return PartnerUser{}, InvalidField("role", "invalid_role", "role must be one of the tenant's roles: "+strings.Join(st.Roles, ", ")+".")
		}
		patch.Role = &r
	}
	for attempt := 1; ; attempt++ {
		user, err := s.userOf(ctx, caller.TenantID, partnerID, userID)
		if err != nil {
			return PartnerUser{}, err
		}
		next, err := s.applyUserPatch(caller, user, patch)
		if err != nil {
			return PartnerUser{}, err
		}
		err = s.writeAccess(ctx, user, next)
		if isConflict(err, ConflictUserChanged, ConflictInvitationChanged) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return PartnerUser{}, fmt.Errorf("update user %s: %w", userID, err)
		}
		if patch.PortalAccess != nil && next.Sub != "" {
			if err := s.followLogin(ctx, next); err != nil {
				return PartnerUser{}, err
			}
		}
		if next.Role != user.Role && next.Status == UserActive {
			// Tokens issued before carry the old role: end them.
			if err := s.signOut(ctx, next); err != nil {
				return PartnerUser{}, err
			}
		}
		return next, nil
	}
}

// userOf reads one of a tenant's partner users: NotFound for an unknown or
// removed one, or another tenant's.
func (s *Service) userOf(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error) {
	if !validID(partnerIDPrefix, partnerID) || !validID(userIDPrefix, userID) {
		return PartnerUser{}, Errorf(NotFound, "No user %s in partner %s.", userID, partnerID)
	}
	u, err := s.Invitations.GetUser(ctx, tenantID, partnerID, userID)
	switch {
	case IsKind(err, NotFound) || (err == nil && u.Status == UserRemoved):
		return PartnerUser{}, Errorf(NotFound, "No user %s in partner %s.", userID, partnerID)
	case err != nil:
		return PartnerUser{}, fmt.Errorf("get user %s: %w", userID, err)
	}
	return u, nil
}

func (s *Service) applyUserPatch(caller Principal, user PartnerUser, patch UserPatch) (PartnerUser, error) {
	next := user
	if patch.Role != nil {
		next.Role = *patch.Role
	}
	if on := patch.PortalAccess; on != nil {
		switch {
		case user.Status == UserInvited && !*on:
			return PartnerUser{}, &Error{Kind: Conflict, Message: "The user has not joined yet: revoke their invitation to take it back.",
				Details: map[string]any{"code": "user_invited"}}
		case user.Status == UserActive && !*on:
			next.Status = UserDisabled
		case user.Status == UserDisabled && *on:
			next.Status = UserActive
		}
	}
	if next.Status != user.Status || next.Role != user.Role {
		next.UpdatedAt, next.ChangedBy = timestamp(s.Clock), keyActor(caller)
	}
	return next, nil
}

// writeAccess stores a changed user with its membership (or its pending
// invitation's role); an unchanged one is not written.
func (s *Service) writeAccess(ctx context.Context, prev, next PartnerUser) error {
	if next.Status == prev.Status && next.Role == prev.Role {
		return nil
	}
	var m *Membership
	if next.Sub != "" {
		got, err := s.Access.GetMembership(ctx, next.Sub, next.TenantID, next.PartnerID)
		if err != nil && !IsKind(err, NotFound) {
			return fmt.Errorf("get membership of %s: %w", next.ID, err)
		}
		if err == nil {
			got.Role, got.Status = next.Role, MembershipActive
			if next.Status == UserDisabled {
				got.Status = MembershipDisabled
			}
			m = &got
		}
	}
	var inv *Invitation
	if next.Status == UserInvited && next.Role != prev.Role && next.InvitationID != "" {
		got, err := s.Invitations.GetInvitation(ctx, next.TenantID, next.InvitationID)
		if err != nil {
			return fmt.Errorf("get invitation of %s: %w", next.ID, err)
		}
		if got.Status == InvitationPending || got.Status == InvitationExpired {
			// A lapsed link can be resent or renewed: it must carry the
			// new role too, or the person would join with the old one.
			got.Role, got.UpdatedAt, got.ChangedBy = next.Role, next.UpdatedAt, next.ChangedBy
			inv = &got
		}
	}
	return s.Access.SetUserAccess(ctx, prev, next, m, inv)
}

// followLogin brings the user's login in line with their access: disabled
// and signed out when they have no active membership left in the tenant,
// enabled when they have one. Run again, it changes nothing more.
func (s *Service) followLogin(ctx context.Context, u PartnerUser) error {
	pool, err := s.poolOfTenant(ctx, u.TenantID)
	if err != nil {
		return err
	}
	ms, err := s.Memberships.ListMemberships(ctx, u.Sub, u.TenantID)
	if err != nil {
		return fmt.Errorf("list memberships of %s: %w", u.ID, err)
	}
	active := false
	for _, m := range ms {
		active = active || m.Active()
	}
	email := NormalizeEmail(u.Email)
	if active {
		if err := s.Logins.SetEnabled(ctx, pool, email, true); err != nil {
			return fmt.Errorf("enable login of %s: %w", u.ID, err)
		}
		return nil
	}
	if err := s.Logins.SetEnabled(ctx, pool, email, false); err != nil {
		return fmt.Errorf("disable login of %s: %w", u.ID, err)
	}
	return s.signOut(ctx, u)
}

// signOut ends the sessions of a user's login, so that its next token says
// what changed (access, role, partner). A Cognito that cannot sign out
// (cognito-local) is logged: the token trigger and the partner routes
// still decide on the membership as it is now.
func (s *Service) signOut(ctx context.Context, u PartnerUser) error {
	if u.Sub == "" {
		return nil
	}
	pool, err := s.poolOfTenant(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if err := s.Logins.SignOut(ctx, pool, NormalizeEmail(u.Email)); err != nil && !errors.Is(err, ErrSignOutUnsupported) {
		return fmt.Errorf("sign out login of %s: %w", u.ID, err)
	} else if err != nil {
		logFrom(ctx).Warn("access: this Cognito cannot sign logins out; tokens issued before live until they expire", "tenant_id", u.TenantID, "user_id", u.ID)
	}
	return nil
}
