package partners

import (
	"context"
	"fmt"
)

// PoolDirectory finds the tenant a login pool belongs to: a token's pool
// (the trigger's event, an ID token's issuer) names its tenant.
type PoolDirectory interface {
	// TenantOfPool returns the tenant whose login pool poolID is. NotFound
	// for a pool that is no tenant's (or a tenant made before the lookup
	// existed and not yet migrated: `partnerctl tenant sync-pools`).
	TenantOfPool(ctx context.Context, poolID string) (Tenant, error)
}

// MembershipReader reads a login's memberships.
type MembershipReader interface {
	// ListMemberships returns a login's memberships within a tenant (none
	// is not an error).
	ListMemberships(ctx context.Context, sub, tenantID string) ([]Membership, error)
}

// PartnerReader reads one partner.
type PartnerReader interface {
	// GetPartner returns a tenant's partner. NotFound if absent.
	GetPartner(ctx context.Context, tenantID, partnerID string) (Partner, error)
}

// NoAccessReason says why a login may reach nothing.
type NoAccessReason string

// The reasons a login gets no tokens (or a token no access).
const (
	NoAccessUnknownPool     NoAccessReason = "unknown_pool"     // the pool is no tenant's
	NoAccessNoMembership    NoAccessReason = "no_membership"    // the login joined no partner of the tenant
	NoAccessDisabled        NoAccessReason = "disabled"         // every membership is disabled
	NoAccessPartnerInactive NoAccessReason = "partner_inactive" // the partners of its active memberships are inactive, rejected (or gone)
)

// NoAccessError is a login that may reach nothing in its tenant: the token
// trigger refuses it tokens, the partner routes refuse its token.
type NoAccessError struct {
	Reason NoAccessReason
	PoolID string
	Sub    string
}

func (e *NoAccessError) Error() string {
	return fmt.Sprintf("login %s of pool %s has no access: %s", e.Sub, e.PoolID, e.Reason)
}

// Access is what a login may reach in its tenant, now: the tenant, and
// each active membership whose partner is neither inactive nor rejected, with that
// partner's grants. It is what the ID token's claim carries.
type Access struct {
	Tenant      Tenant
	Sub         string
	Memberships []MemberAccess
}

// MemberAccess is one active membership and what its partner is given.
type MemberAccess struct {
	PartnerID string
	UserID    string
	Email     string
	Role      string
	Grants    []Grant
}

// AccessReader decides what a login may reach, from the table.
type AccessReader struct {
	Pools       PoolDirectory
	Memberships MembershipReader
	Partners    PartnerReader
}

// AccessOf returns what the login sub of pool poolID may reach now. A
// *NoAccessError (inside an Error of kind Forbidden) when it may reach
// nothing; other errors are the store's.
func (r *AccessReader) AccessOf(ctx context.Context, poolID, sub string) (Access, error) {
	if poolID == "" || sub == "" {
		return Access{}, noAccess(NoAccessUnknownPool, poolID, sub)
	}
	tenant, err := r.Pools.TenantOfPool(ctx, poolID)
	if IsKind(err, NotFound) {
		return Access{}, noAccess(NoAccessUnknownPool, poolID, sub)
	}
	if err != nil {
		return Access{}, fmt.Errorf("tenant of pool %s: %w", poolID, err)
	}
	return r.AccessIn(ctx, tenant, sub)
}

// AccessIn is AccessOf for a tenant already known.
func (r *AccessReader) AccessIn(ctx context.Context, tenant Tenant, sub string) (Access, error) {
	ms, err := r.Memberships.ListMemberships(ctx, sub, tenant.ID)
	if err != nil {
		return Access{}, fmt.Errorf("memberships of %s: %w", sub, err)
	}
	if len(ms) == 0 {
		return Access{}, noAccess(NoAccessNoMembership, tenant.Pool.ID, sub)
	}
	access := Access{Tenant: tenant, Sub: sub}
	reason := NoAccessDisabled
	for _, m := range ms {
		if !m.Active() {
			continue
		}
		reason = NoAccessPartnerInactive
		p, err := r.Partners.GetPartner(ctx, tenant.ID, m.PartnerID)
		if IsKind(err, NotFound) {
			continue
		}
		if err != nil {
			return Access{}, fmt.Errorf("partner %s of %s: %w", m.PartnerID, sub, err)
		}
		if p.closedReason() != "" { // inactive, or rejected: it takes nobody in
			continue
		}
		access.Memberships = append(access.Memberships, MemberAccess{
			PartnerID: m.PartnerID, UserID: m.UserID, Email: m.Email, Role: m.Role, Grants: p.Grants,
		})
	}
	if len(access.Memberships) == 0 {
		return Access{}, noAccess(reason, tenant.Pool.ID, sub)
	}
	return access, nil
}

func noAccess(reason NoAccessReason, poolID, sub string) error {
	return &Error{Kind: Forbidden, Message: "This login has no active membership.", Err: &NoAccessError{Reason: reason, PoolID: poolID, Sub: sub}}
}
