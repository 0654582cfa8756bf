package partners

import (
	"context"
	"fmt"
)

// The partner routes (/v1/partner/…): a partner's own users on their own
// partner, with the tenant's roles and rules. Each method holds the caller
// to its partner — another partner's or tenant's ids are NotFound — and
// runs the tenant's own method, so that the rules, limits and events are
// the same, with the partner user as the actor.

// partnerCaller returns the partner-user caller and a context scoped to
// its partner: Unauthenticated without one.
func partnerCaller(ctx context.Context) (*PartnerUserPrincipal, context.Context, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.PartnerUser == nil {
		return nil, ctx, Errorf(Unauthenticated, "Send the partner user's ID token as: Authorization: Bearer <ID token>.")
	}
	return p.PartnerUser, withPartnerScope(ctx), nil
}

// ListOwnUsers lists the users of the caller's partner.
func (s *Service) ListOwnUsers(ctx context.Context, f UserFilter, limit int, cursor string) (Page[PartnerUser], error) {
	u, ctx, err := partnerCaller(ctx)
	if err != nil {
		return Page[PartnerUser]{}, err
	}
	return s.ListUsers(ctx, u.PartnerID, f, limit, cursor)
}

// InviteOwn invites one person into the caller's partner (admins only).
// It may not name grants: what is shared with a partner is the tenant's to
// say.
func (s *Service) InviteOwn(ctx context.Context, in InviteInput) (InviteResult, error) {
	u, ctx, err := partnerCaller(ctx)
	if err != nil {
		return InviteResult{}, err
	}
	if len(in.Grants) > 0 {
		return InviteResult{}, InvalidField(grantsField, "not_allowed", "A partner user cannot share resources; the tenant sets its partners' grants.")
	}
	return s.InviteUser(ctx, u.PartnerID, in)
}

// ListOwnInvitations lists the invitations of the caller's partner; a
// partner_id filter is its own.
func (s *Service) ListOwnInvitations(ctx context.Context, f InvitationFilter, limit int, cursor string) (Page[Invitation], error) {
	u, ctx, err := partnerCaller(ctx)
	if err != nil {
		return Page[Invitation]{}, err
	}
	f.PartnerID = u.PartnerID
	return s.ListInvitations(ctx, f, limit, cursor)
}

// ownInvitation checks that an invitation is of the caller's partner:
// NotFound otherwise, as for an unknown id.
func (s *Service) ownInvitation(ctx context.Context, u *PartnerUserPrincipal, id string) error {
	inv, err := s.GetInvitation(ctx, id)
	if err != nil {
		return err
	}
	if inv.PartnerID != u.PartnerID {
		return Errorf(NotFound, "No invitation %s.", id)
	}
	return nil
}

// ResendOwn resends an invitation of the caller's partner (admins only).
func (s *Service) ResendOwn(ctx context.Context, id string, in ResendInput) (InviteResult, error) {
	u, ctx, err := partnerCaller(ctx)
	if err != nil {
		return InviteResult{}, err
	}
	if _, err := authorize(ctx, PermInvite); err != nil {
		return InviteResult{}, err
	}
	if err := s.ownInvitation(ctx, u, id); err != nil {
		return InviteResult{}, fmt.Errorf("resend %s: %w", id, err)
	}
	return s.ResendInvitation(ctx, id, in)
}

// RevokeOwn revokes an invitation of the caller's partner (admins only).
func (s *Service) RevokeOwn(ctx context.Context, id string) (Invitation, error) {
	u, ctx, err := partnerCaller(ctx)
	if err != nil {
		return Invitation{}, err
	}
	if _, err := authorize(ctx, PermInvite); err != nil {
		return Invitation{}, err
	}
	if err := s.ownInvitation(ctx, u, id); err != nil {
		return Invitation{}, fmt.Errorf("revoke %s: %w", id, err)
	}
	return s.RevokeInvitation(ctx, id)
}
