package partners

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
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
		// An invited partner is a prospect until its first person activates
		// (EventPublisher.activateProspect); a created one is active at once.
		in.Status = PartnerActive
		if onboarding == OnboardingPending {
			in.Status = PartnerProspect
		}
	}
	now := timestamp(s.Clock)
	p := Partner{
		ID: newID(partnerIDPrefix, now), TenantID: caller.TenantID,
		Name: in.Name, Status: in.Status, OnboardingStatus: onboarding,
		Programs: in.Programs, Country: in.Country, City: in.City, LogoURL: in.LogoURL,
		PrimaryContact: in.PrimaryContact, CreatedAt: now, UpdatedAt: now, Version: 1, ChangedBy: keyActor(caller),
		PortalAccessOff: in.NoPortalAccess,
	}
	checkProfile(&fe, &p, s.Phones)
	switch {
	case strings.TrimSpace(in.Template) == "":
	case p.PrimaryContact == nil:
		fe.add("template", "requires_primary_contact", "template chooses the email of the primary contact's invitation; there is no primary_contact.")
	case p.PortalAccessOff:
		// The contact is invited when access is granted, with the default
		// template: a choice made now would have to wait on the partner.
		fe.add("template", "requires_portal_access", "template chooses the email of the primary contact's invitation, which a partner without portal access is not sent until access is granted (then with the default template).")
	}
	if err := fe.err(); err != nil {
		return CreatedPartner{}, err
	}
	if p.PrimaryContact == nil || p.PortalAccessOff {
		// Without access, the contact is invited when access is granted.
		if err := s.Partners.CreatePartner(ctx, p); err != nil {
			return CreatedPartner{}, fmt.Errorf("create partner: %w", err)
		}
		return CreatedPartner{Partner: p}, nil
	}
	return s.createPartnerInvitingContact(ctx, caller, p, in.SendEmail, in.Template)
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

// PartnerCounts are a partner's people at a glance: its users by status
// (invited users have an invitation out, pending or lapsed; active ones a
// login), the latest invitation of each user by status, and when anything
// of the partner, its users or those invitations last changed.
type PartnerCounts struct {
	Users          map[UserStatus]int
	Invitations    map[InvitationStatus]int
	LastActivityAt time.Time
}

// UserCounter reads what a partner's counts are made of.
type UserCounter interface {
	// PartnerPeople returns a partner's users (ID, Status, InvitationID,
	// UpdatedAt) and the latest invitation (ID, Status, ExpiresAt,
	// UpdatedAt) of each user still invited.
	PartnerPeople(ctx context.Context, tenantID, partnerID string) ([]PartnerUser, []Invitation, error)
}

// GetPartnerDetail returns one of the caller's partners with its counts.
func (s *Service) GetPartnerDetail(ctx context.Context, partnerID string) (Partner, PartnerCounts, error) {
	p, err := s.GetPartner(ctx, partnerID)
	if err != nil {
		return Partner{}, PartnerCounts{}, err
	}
	users, invitations, err := s.Counter.PartnerPeople(ctx, p.TenantID, p.ID)
	if err != nil {
		return Partner{}, PartnerCounts{}, fmt.Errorf("count people of %s: %w", partnerID, err)
	}
	return p, countPeople(p, users, invitations, timestamp(s.Clock)), nil
}

// countPeople counts a partner's users and their latest invitations: an
// active user's latest invitation is the one they accepted.
func countPeople(p Partner, users []PartnerUser, invitations []Invitation, now time.Time) PartnerCounts {
	c := PartnerCounts{
		Users:          map[UserStatus]int{UserInvited: 0, UserActive: 0, UserDisabled: 0},
		Invitations:    map[InvitationStatus]int{},
		LastActivityAt: p.UpdatedAt,
	}
	for _, st := range []InvitationStatus{InvitationPending, InvitationAccepted, InvitationExpired, InvitationRevoked, InvitationDeclined} {
		c.Invitations[st] = 0
	}
	later := func(t time.Time) {
		if t.After(c.LastActivityAt) {
			c.LastActivityAt = t
		}
	}
	for _, u := range users {
		c.Users[u.Status]++
		if u.Status == UserActive || u.Status == UserDisabled { // they accepted theirs
			c.Invitations[InvitationAccepted]++
		}
		later(u.UpdatedAt)
	}
	for _, inv := range invitations {
		c.Invitations[inv.StatusAt(now)]++
		later(inv.UpdatedAt)
	}
	return c
}

// maxUpdateAttempts bounds the optimistic-concurrency retries of an update
// that races another one.
const maxUpdateAttempts = 3

// UpdatePartner applies a patch to one of the caller's partners. Granting
// portal access to a partner whose primary contact was never invited
// invites them (CreatedPartner.Invitation); a retry of a grant whose
// invite failed invites them then.
func (s *Service) UpdatePartner(ctx context.Context, partnerID string, patch PartnerPatch) (CreatedPartner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return CreatedPartner{}, err
	}
	for attempt := 1; ; attempt++ {
		current, err := s.GetPartner(ctx, partnerID)
		if err != nil {
			return CreatedPartner{}, err
		}
		next := applyPatch(current, patch)
		if err := normalizeProfile(&next, s.Phones); err != nil {
			return CreatedPartner{}, err
		}
		if id := patch.PrimaryAdminUserID; id != nil && *id != "" && *id != current.PrimaryAdminUserID {
			if err := s.checkPrimaryAdmin(ctx, current, *id); err != nil {
				return CreatedPartner{}, err
			}
		}
		next.UpdatedAt, next.ChangedBy = timestamp(s.Clock), keyActor(caller)
		next.Version = current.Version + 1
		err = s.Partners.UpdatePartner(ctx, next, current.Version)
		if err == nil {
			if patch.PortalAccess != nil && *patch.PortalAccess {
				return s.inviteContactOnGrant(ctx, next)
			}
			return CreatedPartner{Partner: next}, nil
		}
		if !IsKind(err, Conflict) || attempt == maxUpdateAttempts {
			return CreatedPartner{}, fmt.Errorf("update partner %s: %w", partnerID, err)
		}
	}
}

// inviteContactOnGrant invites the primary contact of a partner just given
// portal access, as its first admin, when nobody is its admin yet.
func (s *Service) inviteContactOnGrant(ctx context.Context, p Partner) (CreatedPartner, error) {
	c := p.PrimaryContact
	if c == nil || p.PrimaryAdminUserID != "" || p.closedReason() != "" {
		return CreatedPartner{Partner: p}, nil
	}
	st, err := s.cachedSettings(ctx, p.TenantID)
	if err != nil {
		return CreatedPartner{}, err
	}
	res, err := s.InviteUser(ctx, p.ID, InviteInput{
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, JobTitle: c.JobTitle,
		Role: st.PrimaryContactRole(), SendEmail: true,
	})
	if err != nil {
		return CreatedPartner{}, fmt.Errorf("invite the primary contact of %s: %w", p.ID, err)
	}
	id := res.User.ID
	updated, err := s.changePartner(ctx, p.TenantID, p.ID, p.ChangedBy, func(q *Partner) error {
		if q.PrimaryAdminUserID == "" {
			q.PrimaryAdminUserID = id
		}
		return nil
	})
	if err != nil {
		return CreatedPartner{}, err
	}
	return CreatedPartner{Partner: updated, Invitation: &res}, nil
}

// checkPrimaryAdmin refuses a primary admin who is not a user of the
// partner, or whose access is off.
func (s *Service) checkPrimaryAdmin(ctx context.Context, p Partner, userID string) error {
	bad := InvalidField("primary_admin_user_id", "not_a_user", "primary_admin_user_id must be a user of this partner.")
	if !validID(userIDPrefix, userID) {
		return bad
	}
	u, err := s.Invitations.GetUser(ctx, p.TenantID, p.ID, userID)
	switch {
	case IsKind(err, NotFound):
		return bad
	case err != nil:
		return fmt.Errorf("get user %s: %w", userID, err)
	case u.Status != UserActive && u.Status != UserInvited:
		return InvalidField("primary_admin_user_id", "user_disabled", "primary_admin_user_id names a user whose portal access is off.")
	}
	return nil
}

func applyPatch(p Partner, patch PartnerPatch) Partner {
	if patch.PortalAccess != nil {
		p.PortalAccessOff = !*patch.PortalAccess
	}
	if patch.PrimaryAdminUserID != nil {
		p.PrimaryAdminUserID = *patch.PrimaryAdminUserID
	}
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
