package partners

import (
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"strings"
	"time"
)

// The rules of inviting one person: an email belongs to one partner per
// tenant; a pending invitation is replaced; an active or disabled user cannot
// be invited again; an expired or revoked invitation never blocks a new one.
// The writes are in invitewrite.go, the modes in invitemode.go.

// InviteInput asks for one person to be invited to a partner.
type InviteInput struct {
	Email     string
	FirstName string
	LastName  string
	Phone     string
	JobTitle  string
	Role      string
	// SendEmail false returns the link instead of mailing it.
	SendEmail bool
	// EmailVerified is the tenant vouching for the address of a link-only
	// invite: the login is then made with a verified email, though our mail
	// never proved it. An emailed link proves it anyway.
	EmailVerified bool
	// ExpiresInHours overrides the tenant's link lifetime (1–720); 0 keeps it.
	ExpiresInHours int
	RedirectURL    string
	InviterName    string
	// Template names one of the tenant's named email templates; empty is
	// the default. A re-invite of a pending invitation takes it too.
	Template string
	// Force mails an existing user whose address bounced for good or
	// complained; without it such an invite is refused (Conflict).
	Force bool
	// Grants are added to the partner's grants before the invite (the
	// invite names what is shared with the partner): they stay when the
	// invite then fails, and adding them again changes nothing.
	Grants []Grant
}

// InviteOutcome says what an invite did.
type InviteOutcome string

// The invite outcomes.
const (
	OutcomeCreated InviteOutcome = "created" // a new invitation
	OutcomeResent  InviteOutcome = "resent"  // a pending invitation got a new link
)

// InviteResult is what an invite did, and the link when the tenant asked to
// deliver it itself.
type InviteResult struct {
	Outcome    InviteOutcome
	Invitation Invitation
	User       PartnerUser
	// Link is set only when SendEmail was false.
	Link string
}

// checkInvite normalises an invite's fields and adds a problem for each bad
// one, with field names under prefix.
func checkInvite(fe *fieldErrors, prefix string, in *InviteInput, ic inviteContext, phones PhoneNormalizer) {
	in.Email = strings.TrimSpace(in.Email)
	in.FirstName = strings.TrimSpace(in.FirstName)
	in.LastName = strings.TrimSpace(in.LastName)
	in.JobTitle = strings.TrimSpace(in.JobTitle)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Role = strings.TrimSpace(in.Role)
	checkEmail(fe, prefix+"email", in.Email, true)
	checkText(fe, prefix+"first_name", in.FirstName, false, maxShortText)
	checkText(fe, prefix+"last_name", in.LastName, false, maxShortText)
	checkText(fe, prefix+"job_title", in.JobTitle, false, maxShortText)
	if in.Phone != "" {
		if e164, reason := phones.normalize(in.Phone, ic.partner.Country); reason != "" {
			fe.add(prefix+"phone", "invalid_phone", strings.Replace(reason, "phone", prefix+"phone", 1))
		} else {
			in.Phone = e164
		}
	}
	switch {
	case in.Role == "":
		fe.add(prefix+"role", "required", prefix+"role is required.")
	case !ic.settings.HasRole(in.Role):
		fe.add(prefix+"role", "unknown_role", fmt.Sprintf("%srole must be one of your roles: %s.", prefix, strings.Join(ic.settings.Roles, ", ")))
	}
	checkExpiresIn(fe, prefix, in.ExpiresInHours)
	in.RedirectURL = strings.TrimSpace(in.RedirectURL)
	checkHTTPSURLOrLocal(fe, prefix+"redirect_url", in.RedirectURL)
	in.InviterName = strings.TrimSpace(in.InviterName)
	checkText(fe, prefix+"inviter_name", in.InviterName, false, maxShortText)
}

// checkExpiresIn adds a problem unless a link's lifetime override is 0 (the
// tenant's setting) or within MinInviteTTLHours–MaxInviteTTLHours.
func checkExpiresIn(fe *fieldErrors, prefix string, hours int) {
	if hours != 0 && (hours < MinInviteTTLHours || hours > MaxInviteTTLHours) {
		fe.add(prefix+"expires_in_hours", "out_of_range", fmt.Sprintf("expires_in_hours must be between %d and %d.", MinInviteTTLHours, MaxInviteTTLHours))
	}
}

// InviteUser adds one person to a partner and invites them
// (POST /v1/partners/{id}/users), in the single mode (see singleInvite).
func (s *Service) InviteUser(ctx context.Context, partnerID string, in InviteInput) (InviteResult, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return InviteResult{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return InviteResult{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	ic, err := s.singleInvite(ctx, caller, partnerID, in.Phone)
	if err != nil {
		return InviteResult{}, err
	}
	var fe fieldErrors
	checkInvite(&fe, "", &in, ic, s.Phones)
	checkGrants(&fe, grantsField, in.Grants)
	checkTemplateChoice(&fe, "template", &in.Template, ic.settings)
	if err := fe.err(); err != nil {
		return InviteResult{}, err
	}
	if err := s.shareWithPartner(ctx, caller, partnerID, in.Grants); err != nil {
		return InviteResult{}, err
	}
	return s.invite(ctx, ic, in, false)
}

// maxInviteAttempts bounds the retries of an invite that races another
// request on the same email.
const maxInviteAttempts = 6

// raceBackoff waits a little, randomly, before an invite that lost a race
// decides again, so that racers do not collide in lock step.
func raceBackoff(ctx context.Context, attempt int) {
	d := time.Duration(attempt*(5+mathrand.IntN(20))) * time.Millisecond
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// What an invite's write can learn that makes it decide again. Both are
// compared with errors.Is, so a wrap keeps their meaning.
var (
	// errClaimTaken: the email was claimed since the invite looked.
	errClaimTaken = errors.New("the email was claimed by another request")
	// errLostRace: the invitation or user changed since the invite read
	// them. It is an *Error so that a resend which keeps losing says so.
	errLostRace = &Error{Kind: Conflict, Message: "The invitation was changed by another request."}
)

// invite applies the rules of one invite; dryRun reports the outcome without
// writing. An invite that loses a race to another request on the same email
// decides again with fresh reads, a few times.
func (s *Service) invite(ctx context.Context, ic inviteContext, in InviteInput, dryRun bool) (InviteResult, error) {
	email := NormalizeEmail(in.Email)
	for attempt := 1; attempt <= maxInviteAttempts; attempt++ {
		if attempt > 1 {
			raceBackoff(ctx, attempt-1)
			ic = ic.rereading()
		}
		res, err := s.inviteOnce(ctx, ic, in, email, dryRun)
		if errors.Is(err, errClaimTaken) || errors.Is(err, errLostRace) {
			continue
		}
		return res, err
	}
	return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("%s is being changed by other requests; retry.", in.Email),
		Details: map[string]any{"code": "concurrent_change"}}
}

// inviteOnce decides an invite from one look at the email's claim, its user
// and its invitation, and writes the outcome.
func (s *Service) inviteOnce(ctx context.Context, ic inviteContext, in InviteInput, email string, dryRun bool) (InviteResult, error) {
	if ic.partnerRead {
		if err := ic.partner.inviteRefusal(); err != nil {
			return InviteResult{}, err
		}
	}
	claim, found, err := ic.claims.firstLook(ctx, s, ic.caller.TenantID, email)
	switch {
	case err != nil:
		return InviteResult{}, err
	case !found:
		return s.createInvitation(ctx, ic, in, nil, nil, dryRun)
	case claim.PartnerID != ic.partner.ID:
		if !ic.partnerRead { // an unknown partner is a 404, not a conflict
			if _, err := s.GetPartner(ctx, ic.partner.ID); err != nil {
				return InviteResult{}, err
			}
		}
		return InviteResult{}, s.claimedElsewhere(ctx, ic, in.Email, claim)
	}
	user, err := s.Invitations.GetUser(ctx, ic.caller.TenantID, ic.partner.ID, claim.UserID)
	if err != nil {
		return InviteResult{}, fmt.Errorf("get user of claim on %s: %w", in.Email, err)
	}
	switch user.Status {
	case UserActive:
		return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("%s is already an active user of this partner.", in.Email),
			Details: map[string]any{"code": "already_active", "user_id": user.ID}}
	case UserDisabled:
		return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("%s is a disabled user of this partner; restore their portal access instead.", in.Email),
			Details: map[string]any{"code": "user_disabled", "user_id": user.ID}}
	}
	if err := recipientFlagged(user, in.SendEmail, in.Force); err != nil {
		return InviteResult{}, err
	}
	prev, err := s.Invitations.GetInvitation(ctx, ic.caller.TenantID, user.InvitationID)
	if err != nil {
		return InviteResult{}, fmt.Errorf("get invitation of %s: %w", user.ID, err)
	}
	if prev.StatusAt(ic.now) == InvitationPending {
		return s.reissue(ctx, ic, prev, &user, in, dryRun)
	}
	return s.createInvitation(ctx, ic, in, &user, &prev, dryRun)
}

func (s *Service) claimedElsewhere(ctx context.Context, ic inviteContext, email string, claim EmailClaim) error {
	if ic.caller.PartnerUser != nil {
		// A partner admin learns that the address is taken, not by which
		// of the tenant's other partners (they may be competitors).
		return &Error{Kind: Conflict, Message: email + " belongs to another partner; an email belongs to one partner only.",
			Details: map[string]any{"code": "email_taken"}}
	}
	other, err := s.Partners.GetPartner(ctx, ic.caller.TenantID, claim.PartnerID)
	if err != nil {
		return fmt.Errorf("get partner %s owning %s: %w", claim.PartnerID, email, err)
	}
	return &Error{
		Kind:    Conflict,
		Message: fmt.Sprintf("%s already belongs to partner %s (%s); an email belongs to one partner only.", email, other.Name, other.ID),
		Details: map[string]any{"code": "email_taken", "partner": map[string]any{"id": other.ID, "name": other.Name}},
	}
}
