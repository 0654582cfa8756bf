package partners

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PartnerStatus is where a partner organisation stands in the tenant's
// programme.
type PartnerStatus string

// The partner statuses.
const (
	PartnerActive   PartnerStatus = "active"
	PartnerProspect PartnerStatus = "prospect"
	PartnerInactive PartnerStatus = "inactive"
)

func (s PartnerStatus) valid() bool {
	switch s {
	case PartnerActive, PartnerProspect, PartnerInactive:
		return true
	}
	return false
}

// OnboardingStatus says whether a partner is approved, or pending until it
// submits the tenant's onboarding form.
type OnboardingStatus string

// The onboarding statuses.
const (
	OnboardingApproved OnboardingStatus = "approved"
	OnboardingPending  OnboardingStatus = "pending"
	// OnboardingInReview: the form is submitted, and the tenant's settings
	// ask for its review (approve or reject).
	OnboardingInReview OnboardingStatus = "in_review"
	OnboardingRejected OnboardingStatus = "rejected"
)

// Onboarding is how a partner is created: approved at once, or invited.
type Onboarding string

// The ways to create a partner.
const (
	OnboardApproved Onboarding = "approved"
	OnboardInvite   Onboarding = "invite"
)

// Contact is a person at a partner organisation.
type Contact struct {
	FirstName string
	LastName  string
	Email     string // as typed; compared with NormalizeEmail
	JobTitle  string
	Phone     string // E.164
}

// Partner is a partner organisation of a tenant.
type Partner struct {
	ID               string
	TenantID         string
	Name             string
	Status           PartnerStatus
	OnboardingStatus OnboardingStatus
	Programs         []string
	Country          string // ISO 3166-1 alpha-2
	City             string
	LogoURL          string
	PrimaryContact   *Contact
	// PrimaryAdminUserID is the partner user who is its primary admin: the
	// primary contact's user when it was invited, or whom the tenant chose.
	PrimaryAdminUserID string
	// FormAnswers are the answers to the tenant's partner form, as
	// submitted at FormSubmittedAt.
	FormAnswers     []FormAnswer
	FormSubmittedAt time.Time
	// PortalAccessOff keeps the partner's people out of the portal: it
	// invites nobody, its links are closed and its logins get no tokens,
	// until the tenant grants access (Kiflo's "access later").
	PortalAccessOff bool
	// ReviewedAt is when the tenant approved or rejected the partner, and
	// RejectionReason why it rejected it.
	ReviewedAt      time.Time
	RejectionReason string
	// Grants are what the tenant shares with the partner (grant.go); in
	// the ID tokens of its people.
	Grants    []Grant
	CreatedAt time.Time
	UpdatedAt time.Time
	// ChangedBy is who made the latest change.
	ChangedBy Actor
	// Version increases with every change; updates are conditional on it.
	Version int
}

// closedReason is why the links into the partner no longer work, as a dead
// link's reason: "partner_inactive" or "partner_rejected"; empty when they
// work.
func (p Partner) closedReason() string {
	switch {
	case p.Status == PartnerInactive:
		return "partner_inactive"
	case p.OnboardingStatus == OnboardingRejected:
		return "partner_rejected"
	case p.PortalAccessOff:
		return "portal_access_off"
	}
	return ""
}

// inviteRefusal says why nobody may be invited into the partner now, as a
// Conflict with a typed code; nil when they may.
func (p Partner) inviteRefusal() error {
	var code, msg string
	switch {
	case p.Status == PartnerInactive:
		code, msg = "partner_inactive", "Partner %s is inactive: nobody can be invited into it until it is made active again."
	case p.OnboardingStatus == OnboardingRejected:
		code, msg = "partner_rejected", "Partner %s was rejected: nobody can be invited into it."
	case p.PortalAccessOff:
		code, msg = "portal_access_off", "Partner %s has no portal access: grant it (PATCH portal_access true) to invite its people."
	default:
		return nil
	}
	return &Error{Kind: Conflict, Message: fmt.Sprintf(msg, p.ID), Details: map[string]any{"code": code}}
}

// PartnerInput is what a tenant sends to create a partner.
type PartnerInput struct {
	Name           string
	Status         PartnerStatus // default active
	Onboarding     Onboarding    // default approved
	Programs       []string
	Country        string
	City           string
	LogoURL        string
	PrimaryContact *Contact
	// SendEmail false skips the primary contact's invitation email; the
	// link is returned instead.
	SendEmail bool
	// NoPortalAccess creates the partner without portal access: its
	// primary contact is invited when access is granted.
	NoPortalAccess bool
	// Template names the email template of the primary contact's
	// invitation; empty is the default.
	Template string
}

// PartnerPatch changes some fields of a partner; a nil field is left as it
// is. To clear an optional field, point it at the zero value.
type PartnerPatch struct {
	Name           *string
	Status         *PartnerStatus
	Programs       *[]string
	Country        *string
	City           *string
	LogoURL        *string
	PrimaryContact **Contact // non-nil pointer to nil clears the contact
	// PrimaryAdminUserID names the partner's primary admin, one of its
	// users; a pointer to "" clears it.
	PrimaryAdminUserID *string
	// PortalAccess grants (true) or takes (false) the portal access of
	// the partner's people. Granting it invites the primary contact if
	// nobody has been yet.
	PortalAccess *bool
}

// normalizeProfile trims and canonicalises the editable fields of p and
// reports every problem at once.
func normalizeProfile(p *Partner, phones PhoneNormalizer) error {
	var fe fieldErrors
	checkProfile(&fe, p, phones)
	return fe.err()
}

func checkProfile(fe *fieldErrors, p *Partner, phones PhoneNormalizer) {
	p.Name = strings.TrimSpace(p.Name)
	checkText(fe, "name", p.Name, true, maxNameLen)
	if !p.Status.valid() {
		fe.add("status", "invalid_choice", "status must be one of active, prospect, inactive.")
	}
	p.Programs = normalizePrograms(fe, p.Programs)
	if p.Country = strings.TrimSpace(p.Country); p.Country != "" {
		if code, ok := NormalizeCountry(p.Country); ok {
			p.Country = code
		} else {
			fe.add("country", "invalid_country", "country must be an ISO 3166-1 alpha-2 code, such as DE or US.")
		}
	}
	p.City = strings.TrimSpace(p.City)
	checkText(fe, "city", p.City, false, maxShortText)
	p.LogoURL = strings.TrimSpace(p.LogoURL)
	checkHTTPSURL(fe, "logo_url", p.LogoURL)
	if p.PrimaryContact != nil {
		normalizeContact(fe, "primary_contact", p.PrimaryContact, p.Country, phones)
	}
}

func normalizePrograms(fe *fieldErrors, programs []string) []string {
	if len(programs) > maxPrograms {
		fe.add("programs", "too_many", "programs may hold at most "+strconv.Itoa(maxPrograms)+" entries.")
		return programs
	}
	seen := make(map[string]bool, len(programs))
	out := make([]string, 0, len(programs))
	for i, prog := range programs {
		field := "programs[" + strconv.Itoa(i) + "]"
		prog = strings.TrimSpace(prog)
		checkText(fe, field, prog, true, maxProgramName)
		key := strings.ToLower(prog)
		if seen[key] {
			fe.add(field, "duplicate", "programs must not repeat "+prog+".")
		}
		seen[key] = true
		out = append(out, prog)
	}
	return out
}

// normalizeContact trims a contact, checks it and puts its phone in E.164,
// reading a national number as one of the partner's country.
func normalizeContact(fe *fieldErrors, prefix string, c *Contact, country string, phones PhoneNormalizer) {
	c.FirstName = strings.TrimSpace(c.FirstName)
	c.LastName = strings.TrimSpace(c.LastName)
	c.Email = strings.TrimSpace(c.Email)
	c.JobTitle = strings.TrimSpace(c.JobTitle)
	c.Phone = strings.TrimSpace(c.Phone)
	checkText(fe, prefix+".first_name", c.FirstName, false, maxShortText)
	checkText(fe, prefix+".last_name", c.LastName, false, maxShortText)
	checkEmail(fe, prefix+".email", c.Email, true)
	checkText(fe, prefix+".job_title", c.JobTitle, false, maxShortText)
	if c.Phone != "" {
		if e164, reason := phones.normalize(c.Phone, country); reason != "" {
			fe.add(prefix+".phone", "invalid_phone", strings.Replace(reason, "phone", prefix+".phone", 1))
		} else {
			c.Phone = e164
		}
	}
}
