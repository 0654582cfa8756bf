package partners

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ResetView is what the page of a reset link shows: the tenant, its
// branding and the address whose password it sets. Dead says why a link no
// longer works: "used", "expired", "replaced" (a newer reset link was
// mailed) or "unavailable" (the login lost its access meanwhile); empty for
// a live link.
type ResetView struct {
	Token      string
	TenantID   string
	TenantName string
	Branding   Branding
	Email      string
	ExpiresAt  time.Time
	Dead       string

	reset PasswordReset
}

// ViewPasswordReset reads what the page of a reset link shows, and changes
// nothing: mail scanners open links before people do. A link we never made
// is NotFound; a dead one still gets its view, with Dead.
func (s *Service) ViewPasswordReset(ctx context.Context, token string) (ResetView, error) {
	if len(token) != tokenLength {
		return ResetView{}, Errorf(NotFound, "This link is not valid.")
	}
	hash := HashToken(token)
	tok, err := s.Resets.GetResetToken(ctx, hash)
	if IsKind(err, NotFound) {
		return ResetView{}, Errorf(NotFound, "This link is not valid.")
	}
	if err != nil {
		return ResetView{}, fmt.Errorf("get reset token: %w", err)
	}
	r, err := s.Resets.GetPasswordReset(ctx, tok.TenantID, tok.Email)
	if err != nil {
		return ResetView{}, fmt.Errorf("get the password reset of a token of %s: %w", tok.TenantID, err)
	}
	tenant, err := s.Tenants.GetTenant(ctx, tok.TenantID)
	if err != nil {
		return ResetView{}, fmt.Errorf("get tenant %s: %w", tok.TenantID, err)
	}
	st, err := s.cachedSettings(ctx, tok.TenantID)
	if err != nil {
		return ResetView{}, err
	}
	v := ResetView{
		Token: token, TenantID: tenant.ID, TenantName: tenant.Name, Branding: st.Branding, Email: tok.Email,
		ExpiresAt: tok.ExpiresAt, reset: r,
	}
	now := timestamp(s.Clock)
	switch {
	case r.TokenHash != hash:
		v.Dead = "replaced"
	case !r.UsedAt.IsZero():
		v.Dead = "used"
	case !now.Before(tok.ExpiresAt):
		v.Dead = "expired"
	}
	return v, nil
}

// ResetOutcome is a password set through a reset link.
type ResetOutcome struct {
	View ResetView
	// SignedOut says the login's sessions were ended (its refresh tokens
	// revoked). False where the login service cannot (cognito-local), or
	// when it failed: the new password stands either way.
	SignedOut bool
}

// ResetPassword sets the password of a live reset link's login and kills
// the link. The password is checked against the product's policy first
// (Invalid on "password"); the login must still be active at the tenant
// (else Gone, "unavailable"). One submit at a time holds the link (a
// lease): the password is set while it holds it, then the link is marked
// used together with the partner user's password_reset_at (the event
// partner_user.password_reset). A submit that loses is Gone ("used") or
// Conflict (another submit holds the link now). If setting the password
// fails, the link is given back, to be used again.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (ResetOutcome, error) {
	v, err := s.ViewPasswordReset(ctx, token)
	if err != nil {
		return ResetOutcome{}, err
	}
	if v.Dead != "" {
		return ResetOutcome{View: v}, goneReset(v.Dead)
	}
	if err := DefaultPasswordPolicy.passwordError(password); err != nil {
		return ResetOutcome{View: v}, err
	}
	r := v.reset
	user, found, err := activeLogin(ctx, s.loginDirectory(), r.TenantID, r.Email)
	if err != nil {
		return ResetOutcome{View: v}, err
	}
	if !found || user.ID != r.UserID || user.Sub != r.Sub {
		v.Dead = "unavailable"
		return ResetOutcome{View: v}, goneReset(v.Dead)
	}
	pool, err := s.poolOfTenant(ctx, r.TenantID)
	if err != nil {
		return ResetOutcome{View: v}, fmt.Errorf("reset a password of %s: %w", r.TenantID, err)
	}
	now := timestamp(s.Clock)
	hash := HashToken(token)
	err = s.Resets.ClaimPasswordReset(ctx, r.TenantID, r.Email, hash, now, now.Add(-resetClaimLease))
	if isConflict(err, ConflictResetChanged) {
		again, verr := s.ViewPasswordReset(ctx, token)
		if verr != nil {
			return ResetOutcome{View: v}, verr
		}
		if again.Dead != "" {
			return ResetOutcome{View: again}, goneReset(again.Dead)
		}
		return ResetOutcome{View: again}, Errorf(Conflict, "This link is being used right now; try again in a minute.")
	}
	if err != nil {
		return ResetOutcome{View: v}, fmt.Errorf("claim a password reset of %s: %w", r.TenantID, err)
	}
	if err := s.Logins.SetPassword(ctx, pool, r.Email, password); err != nil {
		// The link was not used: give it back (best effort: else it is
		// free again when the lease ends).
		if rerr := s.Resets.ReleasePasswordReset(context.WithoutCancel(ctx), r.TenantID, r.Email, hash, now); rerr != nil {
			logFrom(ctx).Warn("password reset: could not give the link back", "tenant_id", r.TenantID, "err", rerr)
		}
		if IsKind(err, Invalid) {
			return ResetOutcome{View: v}, err
		}
		return ResetOutcome{View: v}, fmt.Errorf("reset a password of %s: set password: %w", r.TenantID, err)
	}
	user.PasswordResetAt, user.UpdatedAt, user.ChangedBy = now, now, userActor(user)
	if err := s.Resets.FinishPasswordReset(ctx, r.TenantID, r.Email, hash, now, user); err != nil {
		// The password is set; the link stays claimed until its lease
		// ends, and a retry sets it again and finishes.
		return ResetOutcome{View: v}, fmt.Errorf("reset a password of %s: mark the link used: %w", r.TenantID, err)
	}
	out := ResetOutcome{View: v, SignedOut: true}
	switch err := s.Logins.SignOut(ctx, pool, r.Email); {
	case errors.Is(err, ErrSignOutUnsupported):
		out.SignedOut = false
		logFrom(ctx).Warn("password reset: the login service cannot sign the login out", "tenant_id", r.TenantID, "user_id", user.ID)
	case err != nil:
		out.SignedOut = false
		logFrom(ctx).Error("password reset: sign-out failed", "tenant_id", r.TenantID, "user_id", user.ID, "err", err)
	}
	out.View.Dead = ""
	return out, nil
}

func goneReset(reason string) error {
	return &Error{Kind: Gone, Message: "This link no longer works.", Details: map[string]any{"reason": reason}}
}

// loginDirectory is where a reset finds the login of an address: the
// claims and users of the invitations, and the memberships.
func (s *Service) loginDirectory() LoginDirectory {
	return directory{InvitationStore: s.Invitations, MembershipStore: s.Memberships}
}

type directory struct {
	InvitationStore
	MembershipStore
}
