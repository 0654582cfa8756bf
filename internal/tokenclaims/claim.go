// Package tokenclaims is the adapter of Cognito's pre-token-generation
// trigger: it adds what a login may reach (its memberships and their
// partners' grants, partners.AccessReader) to the ID token, as one compact
// claim, and refuses tokens to a login that may reach nothing.
package tokenclaims

import (
	"encoding/json"
	"fmt"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ClaimName is the ID token claim that holds the access: a JSON string
// (Cognito's claims added by a version 1 trigger are strings).
const ClaimName = "partner_access"

// ClaimVersion is the claim's shape; a change that a portal would misread
// gets a new one.
const ClaimVersion = 1

// MaxClaimBytes bounds the claim's value for a login with one membership
// (an email belongs to one partner per tenant, so an active login has one)
// whose partner holds the most grants allowed, each at its longest, and the
// longest role: docs/api.md promises it, TestTheLargestClaimFitsItsBound
// holds it.
const MaxClaimBytes = 4700

// Claim is the claim's JSON: the tenant, and per membership the partner,
// the partner user, the role and the partner's grants, each grant as
// [resource_type, resource_id, permission] to keep the token small.
type Claim struct {
	Version     int          `json:"v"`
	TenantID    string       `json:"tenant_id"`
	Memberships []Membership `json:"memberships"`
}

// Membership is one membership of the claim.
type Membership struct {
	PartnerID string      `json:"partner_id"`
	UserID    string      `json:"user_id"`
	Role      string      `json:"role"`
	Grants    [][3]string `json:"grants"`
}

// ClaimOf is the claim of an access.
func ClaimOf(a partners.Access) Claim {
	c := Claim{Version: ClaimVersion, TenantID: a.Tenant.ID, Memberships: make([]Membership, 0, len(a.Memberships))}
	for _, m := range a.Memberships {
		grants := make([][3]string, 0, len(m.Grants))
		for _, g := range m.Grants {
			grants = append(grants, [3]string{g.ResourceType, g.ResourceID, g.Permission})
		}
		c.Memberships = append(c.Memberships, Membership{PartnerID: m.PartnerID, UserID: m.UserID, Role: m.Role, Grants: grants})
	}
	return c
}

// Encode is the claim's value.
func (c Claim) Encode() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode claim: %w", err)
	}
	return string(b), nil
}

// ParseClaim reads the claim's value, as a portal (or our tests) would.
func ParseClaim(v string) (Claim, error) {
	var c Claim
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return Claim{}, fmt.Errorf("parse %s claim: %w", ClaimName, err)
	}
	return c, nil
}
