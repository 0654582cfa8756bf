package partners

import (
	"context"
	"fmt"
)

// ActivationView is what an activation page shows: the invitation and
// what the person holding its link may know — the tenant, the partner, who
// invited them and the tenant's branding.
type ActivationView struct {
	// Token is the link's token, for the page's own forms.
	Token       string
	Invitation  Invitation
	TenantName  string
	PartnerName string
	InviterName string
	FirstName   string
	LastName    string
	Branding    Branding
	// Dead is set for a link that no longer works: "expired", "revoked",
	// "accepted", "declined", "replaced", or "partner_inactive" and
	// "partner_rejected" when its partner takes nobody in. Empty for a live
	// link.
	Dead string
	// HasLogin is set for a live or expired link whose email already has
	// a finished login in the tenant's own pool: a live link's page asks
	// for its password, an expired one's offers a password reset. Logins
	// at other tenants are never looked at.
	HasLogin bool
	// Pool is the tenant's login pool.
	Pool LoginPool
	// RejectionReason is what the tenant said when it rejected the
	// partner (Dead "partner_rejected").
	RejectionReason string
	// FormPending is set when the partner has yet to submit the tenant's
	// partner form.
	FormPending bool

	tenant Tenant
}

// ViewActivation reads what the page of an activation link shows. It never
// changes anything: mail scanners open links before people do. A link we
// never made is NotFound; a dead one still gets its view (Dead says why),
// so that its page can say what happened in the tenant's colours.
func (s *Service) ViewActivation(ctx context.Context, token string) (ActivationView, error) {
	view, err := s.viewLink(ctx, token)
	if err != nil || (view.Dead != "" && view.Dead != "expired") {
		return view, err
	}
	// A live link's page asks an existing login for its password; an
	// expired link's page offers that login a password reset.
	pool, err := poolOf(view.tenant)
	if err != nil {
		return ActivationView{}, fmt.Errorf("view invitation %s: %w", view.Invitation.ID, err)
	}
	view.Pool = pool
	login, found, err := s.Logins.Lookup(ctx, pool, NormalizeEmail(view.Invitation.Email))
	if err != nil {
		return ActivationView{}, fmt.Errorf("look up the login of invitation %s: %w", view.Invitation.ID, err)
	}
	view.HasLogin = found && !login.Unfinished
	return view, nil
}

// ViewLink is ViewActivation without the login, which needs no login pool:
// what the decline page shows.
func (s *Service) ViewLink(ctx context.Context, token string) (ActivationView, error) {
	return s.viewLink(ctx, token)
}

// viewLink is ViewActivation without the login: what the page of a dead
// link, or a renewal request, needs.
func (s *Service) viewLink(ctx context.Context, token string) (ActivationView, error) {
	inv, err := s.ResolveToken(ctx, token)
	var dead string
	if err != nil {
		e, ok := err.(*Error)
		if !ok || e.Kind != Gone {
			return ActivationView{}, err
		}
		dead, _ = e.Details["reason"].(string)
	}
	view := ActivationView{Token: token, Invitation: inv, Dead: dead}
	tenant, err := s.Tenants.GetTenant(ctx, inv.TenantID)
	if err != nil {
		return ActivationView{}, fmt.Errorf("get tenant of invitation %s: %w", inv.ID, err)
	}
	partner, err := s.Partners.GetPartner(ctx, inv.TenantID, inv.PartnerID)
	if err != nil {
		return ActivationView{}, fmt.Errorf("get partner of invitation %s: %w", inv.ID, err)
	}
	settings, err := s.Settings.GetSettings(ctx, inv.TenantID)
	if err != nil {
		return ActivationView{}, fmt.Errorf("get settings of %s: %w", inv.TenantID, err)
	}
	view.tenant = tenant
	view.TenantName, view.PartnerName, view.Branding = tenant.Name, partner.Name, settings.Branding
	view.FormPending = partner.OnboardingStatus == OnboardingPending
	// A closed partner's live or lapsed link says the partner is closed
	// (and offers no renewal); a used, withdrawn or replaced one says so.
	if reason := partner.closedReason(); reason != "" && (view.Dead == "" || view.Dead == "expired") {
		view.Dead, view.RejectionReason = reason, partner.RejectionReason
	}
	view.InviterName = inv.InviterName
	if view.InviterName == "" {
		view.InviterName = tenant.Name
	}
	if user, err := s.Invitations.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID); err == nil {
		view.FirstName, view.LastName = user.FirstName, user.LastName
	}
	return view, nil
}
