package partners

import (
	"context"
	"fmt"
	"strings"
)

// Onboarding of an invited partner: its admin submits the tenant's partner
// form, which approves it — or, when the settings ask for review, leaves it
// in review until the tenant approves or rejects it.

// PartnerUserRef names a partner user acting on their own partner, once
// something has proved who they are: the page after their activation (a
// sealed session) or their ID token.
type PartnerUserRef struct {
	TenantID  string
	PartnerID string
	UserID    string
}

// PartnerFormView is what a partner admin sees of onboarding: their
// partner, the tenant's form and who they are.
type PartnerFormView struct {
	Partner    Partner
	Form       PartnerForm
	User       PartnerUser
	TenantName string
	Branding   Branding
	PortalURL  string
	// AdminRole is the role that may submit the form.
	AdminRole string
}

// IsAdmin reports whether the user may submit the partner form.
func (v PartnerFormView) IsAdmin() bool { return v.User.Role == v.AdminRole }

// maxRejectionReason bounds the reason given when rejecting a partner.
const maxRejectionReason = 1000

// PartnerForm reads what the partner form's page shows a partner user.
// NotFound unless the user is an active user of that partner.
func (s *Service) PartnerForm(ctx context.Context, by PartnerUserRef) (PartnerFormView, error) {
	user, err := s.activePartnerUser(ctx, by)
	if err != nil {
		return PartnerFormView{}, err
	}
	p, err := s.Partners.GetPartner(ctx, by.TenantID, by.PartnerID)
	if err != nil {
		return PartnerFormView{}, fmt.Errorf("get partner %s: %w", by.PartnerID, err)
	}
	st, err := s.cachedSettings(ctx, by.TenantID)
	if err != nil {
		return PartnerFormView{}, err
	}
	t, err := s.Tenants.GetTenant(ctx, by.TenantID)
	if err != nil {
		return PartnerFormView{}, fmt.Errorf("get tenant %s: %w", by.TenantID, err)
	}
	return PartnerFormView{Partner: p, Form: st.PartnerForm, User: user, TenantName: t.Name, Branding: st.Branding, PortalURL: st.PortalURL, AdminRole: st.PartnerAdminRole()}, nil
}

// activePartnerUser returns the user named by ref if it is active:
// NotFound otherwise, whatever the reason, so that a ref says nothing about
// users it does not name.
func (s *Service) activePartnerUser(ctx context.Context, by PartnerUserRef) (PartnerUser, error) {
	if !validID(partnerIDPrefix, by.PartnerID) || !validID(userIDPrefix, by.UserID) {
		return PartnerUser{}, Errorf(NotFound, "No such partner user.")
	}
	user, err := s.Invitations.GetUser(ctx, by.TenantID, by.PartnerID, by.UserID)
	switch {
	case IsKind(err, NotFound):
		return PartnerUser{}, Errorf(NotFound, "No such partner user.")
	case err != nil:
		return PartnerUser{}, fmt.Errorf("get user %s: %w", by.UserID, err)
	case user.Status != UserActive:
		return PartnerUser{}, Errorf(NotFound, "No such partner user.")
	}
	return user, nil
}

// SubmitPartnerForm stores a partner's answers to the tenant's form, given
// by one of its admins (users with the partner admin role), and approves
// the partner — or puts it in review when the settings ask for review.
// Each missing or bad answer is named (answers.<key>).
func (s *Service) SubmitPartnerForm(ctx context.Context, by PartnerUserRef, in FormInput) (Partner, error) {
	user, err := s.activePartnerUser(ctx, by)
	if err != nil {
		return Partner{}, err
	}
	st, err := s.cachedSettings(ctx, by.TenantID)
	if err != nil {
		return Partner{}, err
	}
	if user.Role != st.PartnerAdminRole() {
		return Partner{}, Errorf(Forbidden, "Only the partner's %s users can submit the partner form.", st.PartnerAdminRole())
	}
	answers, err := checkAnswers(st.PartnerForm, in)
	if err != nil {
		return Partner{}, err
	}
	next := OnboardingApproved
	if st.PartnerForm.ReviewRequired {
		next = OnboardingInReview
	}
	return s.changePartner(ctx, by.TenantID, by.PartnerID, userActor(user), func(p *Partner) error {
		if reason := p.closedReason(); reason != "" && reason != "partner_rejected" {
			return onboardingConflict(p, reason, "Partner %s takes nobody in now; its form cannot be submitted.")
		}
		switch p.OnboardingStatus {
		case OnboardingPending:
		case OnboardingRejected:
			return onboardingConflict(p, "partner_rejected", "Partner %s was rejected; its form cannot be submitted.")
		default:
			return onboardingConflict(p, "form_already_submitted", "Partner %s has already submitted its form.")
		}
		p.OnboardingStatus, p.FormAnswers, p.FormSubmittedAt = next, answers, timestamp(s.Clock)
		return nil
	})
}

// ApprovePartner approves a partner that is pending or in review.
func (s *Service) ApprovePartner(ctx context.Context, partnerID string) (Partner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return Partner{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return Partner{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	return s.changePartner(ctx, caller.TenantID, partnerID, keyActor(caller), func(p *Partner) error {
		if err := reviewable(p); err != nil {
			return err
		}
		p.OnboardingStatus, p.ReviewedAt, p.RejectionReason = OnboardingApproved, timestamp(s.Clock), ""
		return nil
	})
}

// RejectPartner rejects a partner that is pending or in review, with a
// reason its people are shown.
func (s *Service) RejectPartner(ctx context.Context, partnerID, reason string) (Partner, error) {
	caller, err := authorize(ctx, PermWritePartners)
	if err != nil {
		return Partner{}, err
	}
	var fe fieldErrors
	reason = strings.TrimSpace(reason)
	checkText(&fe, "reason", reason, true, maxRejectionReason)
	if err := fe.err(); err != nil {
		return Partner{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return Partner{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	return s.changePartner(ctx, caller.TenantID, partnerID, keyActor(caller), func(p *Partner) error {
		if err := reviewable(p); err != nil {
			return err
		}
		p.OnboardingStatus, p.ReviewedAt, p.RejectionReason = OnboardingRejected, timestamp(s.Clock), reason
		return nil
	})
}

// reviewable refuses a review of a partner that is not waiting for one.
func reviewable(p *Partner) error {
	switch p.OnboardingStatus {
	case OnboardingPending, OnboardingInReview:
		return nil
	case OnboardingApproved:
		return onboardingConflict(p, "already_approved", "Partner %s is already approved.")
	}
	return onboardingConflict(p, "already_rejected", "Partner %s is already rejected.")
}

func onboardingConflict(p *Partner, code, format string) error {
	return &Error{Kind: Conflict, Message: fmt.Sprintf(format, p.ID), Details: map[string]any{"code": code, "onboarding_status": string(p.OnboardingStatus)}}
}

// changePartner applies change to the stored partner and writes it,
// conditional on the version it read, reading again if another write won.
func (s *Service) changePartner(ctx context.Context, tenantID, partnerID string, by Actor, change func(*Partner) error) (Partner, error) {
	for attempt := 1; ; attempt++ {
		current, err := s.Partners.GetPartner(ctx, tenantID, partnerID)
		if err != nil {
			return Partner{}, fmt.Errorf("get partner %s: %w", partnerID, err)
		}
		next := current
		if err := change(&next); err != nil {
			return Partner{}, err
		}
		next.UpdatedAt, next.ChangedBy, next.Version = timestamp(s.Clock), by, current.Version+1
		err = s.Partners.UpdatePartner(ctx, next, current.Version)
		if err == nil {
			return next, nil
		}
		if !IsKind(err, Conflict) || attempt == maxUpdateAttempts {
			return Partner{}, fmt.Errorf("update partner %s: %w", partnerID, err)
		}
	}
}

// FormSignIn lets the person of an accepted invitation back to the partner
// form (they closed the page after activating): the link, now used, names
// them, and their password proves it is them. It answers the invitation's
// view and the user the form is for.
func (s *Service) FormSignIn(ctx context.Context, token, password string) (ActivationView, PartnerUserRef, error) {
	view, err := s.viewLink(ctx, token)
	if err != nil {
		return ActivationView{}, PartnerUserRef{}, err
	}
	if view.Dead != "accepted" {
		return view, PartnerUserRef{}, Errorf(NotFound, "This link does not lead to a partner form.")
	}
	inv := view.Invitation
	ref := PartnerUserRef{TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: inv.UserID}
	user, err := s.activePartnerUser(ctx, ref)
	if err != nil {
		return view, PartnerUserRef{}, err
	}
	pool, err := poolOf(view.tenant)
	if err != nil {
		return view, PartnerUserRef{}, err
	}
	if password == "" {
		return view, PartnerUserRef{}, InvalidField("password", "required", "Enter your password.")
	}
	email := NormalizeEmail(user.Email)
	login, found, err := s.Logins.Lookup(ctx, pool, email)
	if err != nil {
		return view, PartnerUserRef{}, fmt.Errorf("look up login of %s: %w", user.ID, err)
	}
	if !found || login.Unfinished || login.Sub != user.Sub {
		return view, PartnerUserRef{}, InvalidField("password", "wrong_password", "That password is not right.")
	}
	if _, err := s.checkExistingPassword(ctx, pool, inv.TenantID, login, email, password); err != nil {
		return view, PartnerUserRef{}, err
	}
	return view, ref, nil
}
