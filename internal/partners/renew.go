package partners

import (
	"context"
	"fmt"
	"time"
)

// renewalInterval is how often the invitee of an expired link may ask for
// a new one.
const renewalInterval = 10 * time.Minute

// RenewalOutcome says what a renewal request did.
type RenewalOutcome string

// The renewal outcomes.
const (
	RenewalSent     RenewalOutcome = "sent"     // a new link is on its way
	RenewalRecorded RenewalOutcome = "recorded" // the tenant sees the request
)

// RequestRenewal is the "send me a new link" of an expired link's page. It
// records the request on the invitation (at most once per ten minutes:
// RateLimited) and, when the tenant allows self-service renewal, reissues
// the invitation to the same address — under the resend limit of five an
// hour. Only an expired link can ask.
func (s *Service) RequestRenewal(ctx context.Context, token string) (ActivationView, RenewalOutcome, error) {
	view, err := s.viewLink(ctx, token)
	if err != nil {
		return ActivationView{}, "", err
	}
	inv := view.Invitation
	if view.Dead != "expired" {
		return view, "", Errorf(Conflict, "Only an expired invitation can be renewed.")
	}
	now := timestamp(s.Clock)
	err = s.Invitations.RecordRenewalRequest(ctx, inv.TenantID, inv.ID, now, now.Add(-renewalInterval))
	if isConflict(err, ConflictRenewalRecent) {
		return view, "", &Error{Kind: RateLimited, Message: "A new link was asked for a few minutes ago.",
			Details: map[string]any{"retry_after": int(renewalInterval.Seconds())}}
	}
	if err != nil {
		return view, "", fmt.Errorf("record renewal request on %s: %w", inv.ID, err)
	}
	st, err := s.Settings.GetSettings(ctx, inv.TenantID)
	if err != nil {
		return view, "", fmt.Errorf("get settings of %s: %w", inv.TenantID, err)
	}
	if !st.SelfServiceRenewal {
		return view, RenewalRecorded, nil
	}
	ic := renewalInvite(inv, st, now)
	current, err := s.Invitations.GetInvitation(ctx, inv.TenantID, inv.ID)
	if err != nil {
		return view, "", fmt.Errorf("renew %s: %w", inv.ID, err)
	}
	_, err = s.reissue(ctx, ic, current, nil, InviteInput{Email: inv.Email, Role: inv.Role, Template: current.Template, SendEmail: true}, false)
	if err != nil {
		return view, "", err
	}
	return view, RenewalSent, nil
}
