package partners

import "context"

// Role is what an API key may do within its tenant.
type Role string

// The roles an API key can carry.
const (
	RoleAdmin   Role = "admin"   // everything, including settings and keys
	RoleManager Role = "manager" // partners and invitations
	RoleViewer  Role = "viewer"  // read only
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleManager, RoleViewer:
		return true
	}
	return false
}

// Permission is one kind of action a caller may be allowed to take.
type Permission string

// The permissions the roles grant.
const (
	PermRead           Permission = "read"
	PermWritePartners  Permission = "write_partners"
	PermInvite         Permission = "invite"
	PermManageSettings Permission = "manage_settings"
)

var rolePermissions = map[Role][]Permission{
	RoleAdmin:   {PermRead, PermWritePartners, PermInvite, PermManageSettings},
	RoleManager: {PermRead, PermWritePartners, PermInvite},
	RoleViewer:  {PermRead},
}

// Can reports whether the role grants the permission.
func (r Role) Can(p Permission) bool {
	for _, granted := range rolePermissions[r] {
		if granted == p {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller of a tenant route: the tenant its API
// key belongs to and the key's role; or, on the partner routes, a partner's
// own user (PartnerUser), whose tenant is the one of its login's pool.
type Principal struct {
	TenantID string
	KeyID    string
	KeyName  string
	Role     Role
	// PartnerUser is set when the caller is a partner user signed in with
	// its ID token (partneruser.go), not an API key; Role is then empty.
	PartnerUser *PartnerUserPrincipal
}

// Can reports whether the caller may take an action that needs perm: an
// API key by its role, a partner user by its role in its partner.
func (p Principal) Can(perm Permission) bool {
	if p.PartnerUser != nil {
		return p.PartnerUser.can(perm)
	}
	return p.Role.Can(perm)
}

// actor is the caller as an event names it.
func (p Principal) actor() Actor {
	if u := p.PartnerUser; u != nil {
		return Actor{Kind: ActorPartnerUser, ID: u.UserID, Name: u.Email}
	}
	return keyActor(p)
}

type principalKey struct{}

// WithPrincipal returns a context that carries the caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.TenantID != ""
}

// authorize returns the caller if it may take an action that needs perm:
// Unauthenticated without a caller, Forbidden when its role lacks perm.
func authorize(ctx context.Context, perm Permission) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return Principal{}, Errorf(Unauthenticated, "An API key is required.")
	}
	if p.PartnerUser != nil {
		// A partner user reaches only what the partner routes scope to its
		// own partner (partnerportal.go); every other method refuses it.
		if !partnerScoped(ctx) || !p.Can(perm) {
			return Principal{}, Errorf(Forbidden, "A partner user with the %s role cannot do this.", p.PartnerUser.Role)
		}
		return p, nil
	}
	if !p.Role.Can(perm) {
		return Principal{}, Errorf(Forbidden, "An API key with the %s role cannot do this.", p.Role)
	}
	return p, nil
}
