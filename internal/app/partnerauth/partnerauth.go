// Package partnerauth wires the verification of partners' ID tokens
// (internal/partnertoken, which links go-jose) into the functions of the
// partner routes. Those functions import it for its effect; the others do
// not, and so do not carry the JWT library (about 0.4 MiB of every binary,
// docs/benchmarks.md).
package partnerauth

import (
	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/partnertoken"
)

func init() {
	base.RegisterPartnerAuth(func(a *base.App) apigw.PartnerAuthenticator {
		access := &partners.AccessReader{Pools: a.Store, Memberships: a.Store, Partners: a.Store}
		return &partnertoken.Authenticator{Tokens: &partnertoken.Verifier{Pools: a.Store, Clock: a.Clock}, Access: access}
	})
}
