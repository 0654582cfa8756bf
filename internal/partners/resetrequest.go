package partners

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ForgotPasswordView is what a tenant's "forgot your password?" page
// shows: the tenant's name and branding, nothing of any login.
type ForgotPasswordView struct {
	TenantID   string
	TenantName string
	Branding   Branding
}

// ViewForgotPassword reads what a tenant's "forgot your password?" page
// shows. NotFound for a tenant we do not have.
func (s *Service) ViewForgotPassword(ctx context.Context, tenantID string) (ForgotPasswordView, error) {
	if !strings.HasPrefix(tenantID, "ten_") || len(tenantID) > 64 {
		return ForgotPasswordView{}, Errorf(NotFound, "This page is not valid.")
	}
	tenant, err := s.Tenants.GetTenant(ctx, tenantID)
	if IsKind(err, NotFound) {
		return ForgotPasswordView{}, Errorf(NotFound, "This page is not valid.")
	}
	if err != nil {
		return ForgotPasswordView{}, fmt.Errorf("get tenant %s: %w", tenantID, err)
	}
	st, err := s.cachedSettings(ctx, tenantID)
	if err != nil {
		return ForgotPasswordView{}, err
	}
	return ForgotPasswordView{TenantID: tenant.ID, TenantName: tenant.Name, Branding: st.Branding}, nil
}

// RequestPasswordReset is the "email me a link" of a tenant's page. It
// answers the same whatever the address: whether the address has a login
// at the tenant is decided later, by the email sender (ResetMailer), so
// that this call does the same work for every address — it counts the
// request and queues it. A request over the address's or the tenant's
// hourly limit queues nothing and answers alike too; only a malformed
// address is an error (Invalid on "email"), which says nothing of logins.
func (s *Service) RequestPasswordReset(ctx context.Context, tenantID, email string) (ForgotPasswordView, error) {
	view, err := s.ViewForgotPassword(ctx, tenantID)
	if err != nil {
		return view, err
	}
	email = strings.TrimSpace(email)
	var fe fieldErrors
	checkEmail(&fe, "email", email, true)
	if err := fe.err(); err != nil {
		return view, err
	}
	email = NormalizeEmail(email)
	now := timestamp(s.Clock)
	hour := now.Truncate(time.Hour)
	ok, err := s.Resets.CountAddressResetRequest(ctx, tenantID, email, hour, ResetRequestsPerAddressPerHour)
	if err != nil {
		return view, fmt.Errorf("count a reset request of %s: %w", tenantID, err)
	}
	if ok {
		ok, err = s.Resets.CountTenantResetRequest(ctx, tenantID, hour, ResetRequestsPerTenantPerHour)
		if err != nil {
			return view, fmt.Errorf("count a reset request of %s: %w", tenantID, err)
		}
	}
	if !ok {
		logFrom(ctx).Info("password reset: request over its limit", "tenant_id", tenantID)
		return view, nil
	}
	if err := s.Resets.QueuePasswordReset(ctx, tenantID, email, now); err != nil {
		return view, fmt.Errorf("queue a password reset of %s: %w", tenantID, err)
	}
	return view, nil
}
