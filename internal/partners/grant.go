package partners

import (
	"context"
	"fmt"
	"strconv"
)

// Grant is one resource a tenant shares with a partner: the tenant's own
// names for the kind of resource, the resource and what may be done with it
// (for example dashboard / dash-42 / view). They reach the partner's people
// in their ID tokens (claims.go), so that the tenant's portal can authorise
// from the token alone.
type Grant struct {
	ResourceType string
	ResourceID   string
	Permission   string
}

// The bounds of a partner's grants. They bound the token claim
// (MaxAccessClaimBytes): every grant of a partner is in the ID token of each
// of its people.
const (
	MaxGrants             = 32
	maxGrantResourceType  = 32
	maxGrantResourceID    = 64
	maxGrantPermission    = 32
	grantsField           = "grants"
	grantResourceTypeName = "resource_type"
	grantResourceIDName   = "resource_id"
	grantPermissionName   = "permission"
)

// checkGrants reports every bad grant of a list sent as field: too many,
// a value missing, too long or outside the allowed characters, or a grant
// named twice.
func checkGrants(fe *fieldErrors, field string, gs []Grant) {
	if len(gs) > MaxGrants {
		fe.add(field, "too_many", field+" may hold at most "+strconv.Itoa(MaxGrants)+" grants.")
		return
	}
	seen := make(map[Grant]bool, len(gs))
	for i, g := range gs {
		prefix := field + "[" + strconv.Itoa(i) + "]."
		checkGrantPart(fe, prefix+grantResourceTypeName, g.ResourceType, maxGrantResourceType, false)
		checkGrantPart(fe, prefix+grantResourceIDName, g.ResourceID, maxGrantResourceID, true)
		checkGrantPart(fe, prefix+grantPermissionName, g.Permission, maxGrantPermission, false)
		if seen[g] {
			fe.add(field+"["+strconv.Itoa(i)+"]", "duplicate", field+" must not repeat a grant.")
		}
		seen[g] = true
	}
}

// checkGrantPart holds one value of a grant to its length and characters:
// letters, digits and _ . : - (and / @ in resource ids), so that a grant
// needs no escaping in the token's JSON and reads the same everywhere.
func checkGrantPart(fe *fieldErrors, field, v string, max int, id bool) {
	switch {
	case v == "":
		fe.add(field, "required", field+" is required.")
	case len(v) > max:
		fe.add(field, "too_long", field+" must be at most "+strconv.Itoa(max)+" characters.")
	case !grantChars(v, id):
		allowed := "letters, digits and _ . : -"
		if id {
			allowed = "letters, digits and _ . : - / @"
		}
		fe.add(field, "invalid_characters", field+" may hold only ASCII "+allowed+".")
	}
}

func grantChars(v string, id bool) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '.', c == ':', c == '-':
		case id && (c == '/' || c == '@'):
		default:
			return false
		}
	}
	return true
}

// addGrants returns have with every grant of add it lacks appended, and
// whether anything was added.
func addGrants(have, add []Grant) ([]Grant, bool) {
	seen := make(map[Grant]bool, len(have))
	for _, g := range have {
		seen[g] = true
	}
	out := append([]Grant(nil), have...)
	for _, g := range add {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out, len(out) > len(have)
}

// SetGrants replaces what the caller's tenant shares with a partner. The
// change is a partner change (partner.updated carries the grants).
func (s *Service) SetGrants(ctx context.Context, partnerID string, gs []Grant) (Partner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return Partner{}, err
	}
	var fe fieldErrors
	checkGrants(&fe, grantsField, gs)
	if err := fe.err(); err != nil {
		return Partner{}, err
	}
	if gs == nil {
		gs = []Grant{}
	}
	return s.changeGrants(ctx, caller, partnerID, func([]Grant) ([]Grant, bool) { return gs, true })
}

// shareWithPartner adds an invite's grants to its partner's (the invite
// names what is shared with the partner); nothing is written when the
// partner has them all already. Invalid when the sum would exceed MaxGrants.
func (s *Service) shareWithPartner(ctx context.Context, caller Principal, partnerID string, gs []Grant) error {
	if len(gs) == 0 {
		return nil
	}
	_, err := s.changeGrants(ctx, caller, partnerID, func(have []Grant) ([]Grant, bool) {
		return addGrants(have, gs)
	})
	return err
}

// changeGrants applies change to a partner's grants with a write
// conditional on the version read, retried on a race.
func (s *Service) changeGrants(ctx context.Context, caller Principal, partnerID string, change func([]Grant) ([]Grant, bool)) (Partner, error) {
	if !validID(partnerIDPrefix, partnerID) {
		return Partner{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	for attempt := 1; ; attempt++ {
		current, err := s.Partners.GetPartner(ctx, caller.TenantID, partnerID)
		if err != nil {
			return Partner{}, fmt.Errorf("grants of partner %s: %w", partnerID, err)
		}
		grants, changed := change(current.Grants)
		if !changed {
			return current, nil
		}
		if len(grants) > MaxGrants {
			return Partner{}, InvalidField(grantsField, "too_many",
				"The partner would hold "+strconv.Itoa(len(grants))+" grants; at most "+strconv.Itoa(MaxGrants)+" are allowed.")
		}
		next := current
		next.Grants = grants
		next.UpdatedAt, next.ChangedBy = timestamp(s.Clock), caller.actor()
		next.Version = current.Version + 1
		err = s.Partners.UpdatePartner(ctx, next, current.Version)
		if err == nil {
			return next, nil
		}
		if !IsKind(err, Conflict) || attempt == maxUpdateAttempts {
			return Partner{}, fmt.Errorf("grants of partner %s: %w", partnerID, err)
		}
	}
}
