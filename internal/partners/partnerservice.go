package partners

import (
	"context"
	"fmt"
	"net/url"
)

// The Service's partner methods: create (with the primary contact's
// invitation, contactinvite.go), read, count, update and list.

// PartnerFilter narrows a partner listing.
type PartnerFilter struct {
	Status  PartnerStatus // empty: any
	Program string        // empty: any
}

// PartnerStore persists partners.
type PartnerStore interface {
	// CreatePartner stores a new partner. Conflict if the id exists.
	CreatePartner(ctx context.Context, p Partner) error
	// GetPartner returns a tenant's partner. NotFound if absent or another tenant's.
	GetPartner(ctx context.Context, tenantID, partnerID string) (Partner, error)
	// UpdatePartner replaces a partner if its stored version is still
	// expectedVersion. Conflict otherwise; NotFound if absent.
	UpdatePartner(ctx context.Context, p Partner, expectedVersion int) error
	// ListPartners returns up to limit partners, newest first, starting after
	// position (empty: from the start), and the position of the last one
	// returned if more may follow. Invalid if position is not the store's.
	ListPartners(ctx context.Context, tenantID string, f PartnerFilter, position string, limit int) ([]Partner, string, error)
}

// CreatePartner creates a partner organisation for the caller's tenant. A
// primary contact is invited as the partner's first admin in the same write:
// if their email belongs to another partner, nothing is created (Conflict).
func (s *Service) CreatePartner(ctx context.Context, in PartnerInput) (CreatedPartner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return CreatedPartner{}, err
	}
	var fe fieldErrors
	onboarding := OnboardingApproved
	switch in.Onboarding {
	case "", OnboardApproved:
	case OnboardInvite:
		onboarding = OnboardingPending
	default:
		fe.add("onboarding", "invalid_choice", "onboarding must be approved or invite.")
	}
	if in.Status == "" {
		in.Status = PartnerActive
	}
	now := timestamp(s.Clock)
	p := Partner{
		ID: newID(partnerIDPrefix, now), TenantID: caller.TenantID,
		Name: in.Name, Status: in.Status, OnboardingStatus: onboarding,
		Programs: in.Programs, Country: in.Country, City: in.City, LogoURL: in.LogoURL,
		PrimaryContact: in.PrimaryContact, CreatedAt: now, UpdatedAt: now, Version: 1, ChangedBy: keyActor(caller),
	}
	checkProfile(&fe, &p, s.Phones)
	if err := fe.err(); err != nil {
		return CreatedPartner{}, err
	}
	if p.PrimaryContact == nil {
		if err := s.Partners.CreatePartner(ctx, p); err != nil {
			return CreatedPartner{}, fmt.Errorf("create partner: %w", err)
		}
		return CreatedPartner{Partner: p}, nil
	}
	return s.createPartnerInvitingContact(ctx, caller, p, in.SendEmail)
}

// CreatedPartner is a new partner and, when it has a primary contact, the
// contact's invitation.
type CreatedPartner struct {
	Partner Partner
	// Invitation is set when the partner has a primary contact.
	Invitation *InviteResult
}

// GetPartner returns one of the caller's partners. NotFound for another
// tenant's id, exactly as for an unknown one.
func (s *Service) GetPartner(ctx context.Context, partnerID string) (Partner, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Partner{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return Partner{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	p, err := s.Partners.GetPartner(ctx, caller.TenantID, partnerID)
	if err != nil {
		return Partner{}, fmt.Errorf("get partner %s: %w", partnerID, err)
	}
	return p, nil
}

// PartnerCounts counts a partner's users by status: invited users are those
// with an invitation out (pending or lapsed), active ones have a login.
type PartnerCounts struct {
	Users map[UserStatus]int
}

// UserCounter counts a partner's users.
type UserCounter interface {
	// CountUsers returns how many users a partner has in each status.
	CountUsers(ctx context.Context, tenantID, partnerID string) (map[UserStatus]int, error)
}

// GetPartnerDetail returns one of the caller's partners with its counts.
func (s *Service) GetPartnerDetail(ctx context.Context, partnerID string) (Partner, PartnerCounts, error) {
	p, err := s.GetPartner(ctx, partnerID)
	if err != nil {
		return Partner{}, PartnerCounts{}, err
	}
	counts, err := s.Counter.CountUsers(ctx, p.TenantID, p.ID)
	if err != nil {
		return Partner{}, PartnerCounts{}, fmt.Errorf("count users of %s: %w", partnerID, err)
	}
	return p, PartnerCounts{Users: counts}, nil
}

// maxUpdateAttempts bounds the optimistic-concurrency retries of an update
// that races another one.
const maxUpdateAttempts = 3

// UpdatePartner applies a patch to one of the caller's partners.
func (s *Service) UpdatePartner(ctx context.Context, partnerID string, patch PartnerPatch) (Partner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return Partner{}, err
	}
	for attempt := 1; ; attempt++ {
		current, err := s.GetPartner(ctx, partnerID)
		if err != nil {
			return Partner{}, err
		}
		next := applyPatch(current, patch)
		if err := normalizeProfile(&next, s.Phones); err != nil {
			return Partner{}, err
		}
		next.UpdatedAt, next.ChangedBy = timestamp(s.Clock), keyActor(caller)
		next.Version = current.Version + 1
		err = s.Partners.UpdatePartner(ctx, next, current.Version)
		if err == nil {
			return next, nil
		}
		if !IsKind(err, Conflict) || attempt == maxUpdateAttempts {
			return Partner{}, fmt.Errorf("update partner %s: %w", partnerID, err)
		}
	}
}

func applyPatch(p Partner, patch PartnerPatch) Partner {
	if patch.Name != nil {
		p.Name = *patch.Name
	}
	if patch.Status != nil {
		p.Status = *patch.Status
	}
	if patch.Programs != nil {
		p.Programs = append([]string(nil), *patch.Programs...)
	}
	if patch.Country != nil {
		p.Country = *patch.Country
	}
	if patch.City != nil {
		p.City = *patch.City
	}
	if patch.LogoURL != nil {
		p.LogoURL = *patch.LogoURL
	}
	if patch.PrimaryContact != nil {
		if *patch.PrimaryContact == nil {
			p.PrimaryContact = nil
		} else {
			c := **patch.PrimaryContact
			p.PrimaryContact = &c
		}
	}
	return p
}

// ListPartners returns a page of the caller's partners, newest first.
func (s *Service) ListPartners(ctx context.Context, f PartnerFilter, limit int, cursor string) (Page[Partner], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[Partner]{}, err
	}
	var fe fieldErrors
	if f.Status != "" && !f.Status.valid() {
		fe.add("status", "invalid_choice", "status must be one of active, prospect, inactive.")
	}
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[Partner]{}, err
	}
	query := url.Values{"status": {string(f.Status)}, "program": {f.Program}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, "partners?"+query, cursor); err != nil {
			return Page[Partner]{}, err
		}
	}
	items, next, err := s.Partners.ListPartners(ctx, caller.TenantID, f, position, limit)
	if err != nil {
		return Page[Partner]{}, fmt.Errorf("list partners: %w", err)
	}
	page := Page[Partner]{Items: items}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, "partners?"+query, next)
	}
	return page, nil
}
