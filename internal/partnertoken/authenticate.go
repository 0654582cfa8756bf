package partnertoken

import (
	"context"
	"fmt"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Authenticator turns a partner user's ID token into the caller of a
// partner route: the token verified, then the membership read live from
// the table (active, its partner not inactive), so that access taken away
// counts at once, whatever the token's claim still says.
type Authenticator struct {
	Tokens *Verifier
	Access *partners.AccessReader
}

// Authenticate returns the caller: Unauthenticated for a token we refuse,
// Forbidden (a *partners.NoAccessError inside) for a login that may reach
// nothing now.
func (a *Authenticator) Authenticate(ctx context.Context, idToken string) (partners.Principal, error) {
	id, err := a.Tokens.Verify(ctx, idToken)
	if Refused(err) {
		return partners.Principal{}, &partners.Error{Kind: partners.Unauthenticated, Message: "The ID token is not valid.", Err: err}
	}
	if err != nil {
		return partners.Principal{}, fmt.Errorf("verify ID token: %w", err)
	}
	access, err := a.Access.AccessIn(ctx, id.Tenant, id.Sub)
	if err != nil {
		return partners.Principal{}, err
	}
	return partners.PartnerPrincipal(access), nil
}
