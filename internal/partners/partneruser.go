package partners

import "context"

// PartnerAdminRole is the tenant's role that makes a partner user an admin
// of its own partner (the partner routes): it may invite, resend and revoke
// there. Any other role may only read.
const PartnerAdminRole = "admin"

// PartnerUserPrincipal is a partner's own user as the caller of a partner
// route: its tenant (the pool its ID token came from), partner, user and
// role, from its active membership read when the request came.
type PartnerUserPrincipal struct {
	PartnerID string
	UserID    string
	Sub       string
	Email     string
	Role      string
}

func (u *PartnerUserPrincipal) can(perm Permission) bool {
	switch perm {
	case PermRead:
		return true
	case PermInvite:
		return u.Role == PartnerAdminRole
	}
	return false
}

// PartnerPrincipal is the caller of a partner route: the membership of its
// access (AccessReader) that it acts in. A login has one active membership
// per tenant (an email belongs to one partner); should it have more, the
// oldest-listed is the one.
func PartnerPrincipal(a Access) Principal {
	m := a.Memberships[0]
	return Principal{TenantID: a.Tenant.ID, PartnerUser: &PartnerUserPrincipal{
		PartnerID: m.PartnerID, UserID: m.UserID, Sub: a.Sub, Email: m.Email, Role: m.Role,
	}}
}

type partnerScopeKey struct{}

// withPartnerScope marks a context whose partner-user caller has been held
// to its own partner.
func withPartnerScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, partnerScopeKey{}, true)
}

func partnerScoped(ctx context.Context) bool {
	v, _ := ctx.Value(partnerScopeKey{}).(bool)
	return v
}
