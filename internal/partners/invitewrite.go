package partners

import (
	"context"
	"fmt"
	"time"
)

// The writes of an invite: a new invitation (for a new user, or for one whose
// last invitation ended), or a reissue of a pending one. Each reserves the
// send limits' quota just before writing and gives it back if the write
// fails.

// lifetime is how long a new link lives.
func lifetime(ic inviteContext, in InviteInput) time.Duration {
	hours := ic.settings.InviteTTLHours
	if in.ExpiresInHours != 0 {
		hours = in.ExpiresInHours
	}
	return time.Duration(hours) * time.Hour
}

// issue sets a fresh token, expiry and delivery on inv, and returns the token.
func (s *Service) issue(inv *Invitation, ic inviteContext, in InviteInput) (string, Token) {
	token := newToken()
	inv.TokenHash = HashToken(token)
	inv.ExpiresAt = ic.now.Add(lifetime(ic, in))
	inv.Status = InvitationPending
	// Live again: no purge (an expired invitation the schedule marked
	// carries one).
	inv.PurgeAt = time.Time{}
	inv.SendSeq++
	inv.UpdatedAt, inv.ChangedBy = ic.now, ic.actor()
	inv.SealedToken = ""
	inv.Delivery = Delivery{Status: DeliveryNotSent}
	inv.TenantVerifiedEmail = in.EmailVerified && !in.SendEmail
	if in.SendEmail {
		inv.Delivery = Delivery{Status: DeliveryQueued, QueuedAt: ic.now}
		inv.SealedToken = s.Tokens.Seal(*inv, token)
	}
	return token, Token{Hash: inv.TokenHash, TenantID: inv.TenantID, InvitationID: inv.ID, ExpiresAt: inv.ExpiresAt}
}

func (s *Service) result(outcome InviteOutcome, inv Invitation, user PartnerUser, in InviteInput, token string) InviteResult {
	res := InviteResult{Outcome: outcome, Invitation: inv, User: user}
	if !in.SendEmail && token != "" {
		res.Link = ActivationURL(s.ActivationBaseURL, token)
	}
	return res
}

// createInvitation makes a new invitation, for a new user (user nil) or for an
// existing one whose last invitation is no longer pending.
func (s *Service) createInvitation(ctx context.Context, ic inviteContext, in InviteInput, user *PartnerUser, prev *Invitation, dryRun bool) (InviteResult, error) {
	n := s.newInvitation(ic, in, user)
	if prev != nil {
		n.PreviousSendSeq = prev.SendSeq
	}
	n.CheckPartner = !ic.partnerRead
	if dryRun {
		return InviteResult{Outcome: OutcomeCreated, Invitation: n.Invitation, User: n.User}, nil
	}
	token, tok := s.issue(&n.Invitation, ic, in)
	n.Token = tok
	release, err := s.reserveFor(ctx, ic, in)
	if IsKind(err, RateLimited) && n.Claim != nil {
		// The address may have been claimed meanwhile by the invite that
		// used up its emails: then that is the answer, not the limit.
		if _, claimed, cerr := s.readClaim(ctx, ic.caller.TenantID, n.Claim.Email); cerr == nil && claimed {
			return InviteResult{}, errClaimTaken
		}
	}
	if err != nil {
		return InviteResult{}, err
	}
	err = s.Invitations.CreateInvitation(ctx, n)
	if err != nil {
		release()
	}
	if isConflict(err, ConflictPartnerMissing) {
		err = s.whyNotInvitable(ctx, ic.caller.TenantID, ic.partner.ID, err)
	}
	if err := inviteWriteError(err, ic.partner.ID); err != nil {
		return InviteResult{}, fmt.Errorf("create invitation for %s: %w", in.Email, err)
	}
	return s.result(OutcomeCreated, n.Invitation, n.User, in, token), nil
}

// newInvitation builds the items of a new invitation, without its token.
func (s *Service) newInvitation(ic inviteContext, in InviteInput, user *PartnerUser) NewInvitation {
	var n NewInvitation
	if user == nil {
		n.NewUser = true
		n.User = PartnerUser{
			ID: newID(userIDPrefix, ic.now), TenantID: ic.caller.TenantID, PartnerID: ic.partner.ID,
			Status: UserInvited, CreatedAt: ic.now,
		}
		n.Claim = &EmailClaim{TenantID: ic.caller.TenantID, Email: NormalizeEmail(in.Email), PartnerID: ic.partner.ID, UserID: n.User.ID}
	} else {
		n.User = *user
		n.PreviousInvitationID = user.InvitationID
	}
	applyInviteToUser(&n.User, in, ic.now)
	n.User.ChangedBy = ic.actor()
	inv := Invitation{
		ID: newID(invitationIDPrefix, ic.now), TenantID: ic.caller.TenantID, PartnerID: ic.partner.ID,
		UserID: n.User.ID, Email: in.Email, Role: in.Role, InvitedBy: ic.caller.KeyID,
		InviterName: in.InviterName, RedirectURL: in.RedirectURL, Template: in.Template, CreatedAt: ic.now,
	}
	n.User.InvitationID = inv.ID
	n.Invitation = inv
	return n
}

// applyInviteToUser takes the invite's details onto the user; details the
// invite leaves empty keep what the user had.
func applyInviteToUser(u *PartnerUser, in InviteInput, now time.Time) {
	u.Email, u.Role, u.UpdatedAt = in.Email, in.Role, now
	for dst, src := range map[*string]string{&u.FirstName: in.FirstName, &u.LastName: in.LastName, &u.Phone: in.Phone, &u.JobTitle: in.JobTitle} {
		if src != "" {
			*dst = src
		}
	}
}

// reissue gives a pending invitation a new link: the old one dies at once.
// user, when set, is updated with the invite's details in the same write.
func (s *Service) reissue(ctx context.Context, ic inviteContext, prev Invitation, user *PartnerUser, in InviteInput, dryRun bool) (InviteResult, error) {
	recent := recentResends(prev.ResentAt, ic.now)
	if len(recent) >= resendLimit {
		retryAfter := recent[0].Add(resendWindow).Sub(ic.now)
		return InviteResult{}, &Error{
			Kind:    RateLimited,
			Message: fmt.Sprintf("This invitation was sent %d times in the last hour; try again in %d minutes.", resendLimit, int(retryAfter.Minutes())+1),
			Details: map[string]any{"retry_after": int(retryAfter.Seconds()) + 1},
		}
	}
	next := prev
	next.Role, next.Email, next.Template = in.Role, in.Email, in.Template
	next.InvitedBy = ic.caller.KeyID
	if in.InviterName != "" {
		next.InviterName = in.InviterName
	}
	if in.RedirectURL != "" {
		next.RedirectURL = in.RedirectURL
	}
	next.ResentAt = append(recent, ic.now)
	var updatedUser *PartnerUser
	if user != nil {
		u := *user
		applyInviteToUser(&u, in, ic.now)
		u.ChangedBy = ic.actor()
		updatedUser = &u
	}
	if dryRun {
		res := InviteResult{Outcome: OutcomeResent, Invitation: next}
		if updatedUser != nil {
			res.User = *updatedUser
		}
		return res, nil
	}
	token, tok := s.issue(&next, ic, in)
	release, err := s.reserveFor(ctx, ic, in)
	if err != nil {
		return InviteResult{}, err
	}
	err = s.Invitations.ReissueInvitation(ctx, prev, next, tok, updatedUser)
	if err != nil {
		release()
	}
	if isConflict(err, ConflictPartnerMissing) {
		err = s.whyNotInvitable(ctx, prev.TenantID, prev.PartnerID, err)
	}
	if err := inviteWriteError(err, prev.PartnerID); err != nil {
		return InviteResult{}, fmt.Errorf("reissue invitation %s: %w", prev.ID, err)
	}
	res := s.result(OutcomeResent, next, PartnerUser{}, in, token)
	if updatedUser != nil {
		res.User = *updatedUser
	}
	return res, nil
}
func recentResends(times []time.Time, now time.Time) []time.Time {
	var recent []time.Time
	for _, t := range times {
		if now.Sub(t) < resendWindow {
			recent = append(recent, t)
		}
	}
	return recent
}

// whyNotInvitable explains a write refused because its partner was missing
// or could not be invited into (the write's condition covers both): 404
// for a partner that is not there, the partner's own refusal otherwise.
func (s *Service) whyNotInvitable(ctx context.Context, tenantID, partnerID string, err error) error {
	p, gerr := s.Partners.GetPartner(ctx, tenantID, partnerID)
	switch {
	case IsKind(gerr, NotFound):
		return err
	case gerr != nil:
		return fmt.Errorf("get partner %s: %w", partnerID, gerr)
	}
	if refusal := p.inviteRefusal(); refusal != nil {
		return refusal
	}
	return fmt.Errorf("%w: %w", errLostRace, err) // it changed back meanwhile: decide again
}

// inviteWriteError says what a refused invite write means to the rules: the
// partner is gone (404), the email was taken (decide again), or the
// invitation or user moved on (decide again). Other errors stay as they are.
func inviteWriteError(err error, partnerID string) error {
	ce, ok := ConflictOf(err)
	switch {
	case err == nil:
		return nil
	case !ok:
		return err
	case ce.Reason == ConflictPartnerMissing:
		return Errorf(NotFound, "No partner %s.", partnerID)
	case ce.Reason == ConflictEmailClaimed:
		return fmt.Errorf("%w: %w", errClaimTaken, err)
	}
	return fmt.Errorf("%w: %w", errLostRace, err)
}
