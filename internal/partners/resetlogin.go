package partners

import (
	"context"
	"fmt"
)

// LoginDirectory finds, in the table, the login an address has at a tenant:
// its claim, its partner user and the login's memberships. A reset never
// looks anywhere else, so that no other tenant's logins can matter.
type LoginDirectory interface {
	GetEmailClaim(ctx context.Context, tenantID, email string) (EmailClaim, error)
	GetUser(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error)
	ListMemberships(ctx context.Context, sub, tenantID string) ([]Membership, error)
}

// activeLogin returns the partner user of a normalised address at a tenant
// if it has an active login there: an active user with a login, whose
// membership of its partner is active. found is false otherwise (no claim,
// an invited or disabled user, a disabled membership).
func activeLogin(ctx context.Context, dir LoginDirectory, tenantID, email string) (user PartnerUser, found bool, err error) {
	claim, err := dir.GetEmailClaim(ctx, tenantID, email)
	if IsKind(err, NotFound) {
		return PartnerUser{}, false, nil
	}
	if err != nil {
		return PartnerUser{}, false, fmt.Errorf("get the claim on an address of %s: %w", tenantID, err)
	}
	user, err = dir.GetUser(ctx, tenantID, claim.PartnerID, claim.UserID)
	if IsKind(err, NotFound) {
		return PartnerUser{}, false, nil
	}
	if err != nil {
		return PartnerUser{}, false, fmt.Errorf("get user %s: %w", claim.UserID, err)
	}
	if user.Status != UserActive || user.Sub == "" {
		return PartnerUser{}, false, nil
	}
	ms, err := dir.ListMemberships(ctx, user.Sub, tenantID)
	if err != nil {
		return PartnerUser{}, false, fmt.Errorf("list memberships of user %s: %w", user.ID, err)
	}
	for _, m := range ms {
		if m.PartnerID == user.PartnerID && m.Active() {
			return user, true, nil
		}
	}
	return PartnerUser{}, false, nil
}
