package partners

import "context"

// The partner form through the partner routes, for tenants who host their
// own portal: the same form, rules and events as the page after activation.

// OwnPartner is what the caller sees of its own partner: the partner (its
// onboarding state and answers), the tenant's form, and the caller.
func (s *Service) OwnPartner(ctx context.Context) (PartnerFormView, error) {
	u, _, err := partnerCaller(ctx)
	if err != nil {
		return PartnerFormView{}, err
	}
	p, _ := PrincipalFrom(ctx)
	return s.PartnerForm(ctx, PartnerUserRef{TenantID: p.TenantID, PartnerID: u.PartnerID, UserID: u.UserID})
}

// SubmitOwnAnswers submits the partner form for the caller's partner, as
// one of its admins.
func (s *Service) SubmitOwnAnswers(ctx context.Context, in FormInput) (Partner, error) {
	u, _, err := partnerCaller(ctx)
	if err != nil {
		return Partner{}, err
	}
	p, _ := PrincipalFrom(ctx)
	return s.SubmitPartnerForm(ctx, PartnerUserRef{TenantID: p.TenantID, PartnerID: u.PartnerID, UserID: u.UserID}, in)
}
