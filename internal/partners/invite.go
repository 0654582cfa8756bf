package partners

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// Prefixes of the ids this file makes.
const (
	userIDPrefix       = "usr_"
	invitationIDPrefix = "inv_"
)

// Resend throttle: at most resendLimit reissues of one invitation an hour.
const (
	resendLimit  = 5
	resendWindow = time.Hour
)

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

// inviteContext is what every invite of one request shares.
type inviteContext struct {
	caller   Principal
	partner  Partner
	settings Settings
	now      time.Time
	// partnerUnread is true when partner holds only the id: its existence is
	// then checked by the write itself.
	partnerUnread bool
	// claims holds the claims read with the partner, by normalised email;
	// an email of the request that is not in it was unclaimed then.
	claims map[string]EmailClaim
}

// newInviteContext checks the caller and reads, in one round trip, the
// partner, the settings and the claims on the emails about to be invited.
func (s *Service) newInviteContext(ctx context.Context, partnerID string, emails []string) (inviteContext, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return inviteContext{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return inviteContext{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	normalized := make([]string, 0, len(emails))
	for _, e := range emails {
		if ValidEmail(strings.TrimSpace(e)) {
			normalized = append(normalized, NormalizeEmail(e))
		}
	}
	p, st, claims, err := s.Invitations.Prefetch(ctx, caller.TenantID, partnerID, normalized)
	if err != nil {
		return inviteContext{}, fmt.Errorf("invite to partner %s: %w", partnerID, err)
	}
	return inviteContext{caller: caller, partner: p, settings: st, now: timestamp(s.Clock), claims: claims}, nil
}

// claimOf returns the claim on an email: the prefetched one on a first
// attempt, a fresh read after a lost race.
func (s *Service) claimOf(ctx context.Context, ic inviteContext, email string, attempt int) (EmailClaim, error) {
	if attempt == 1 && ic.claims != nil {
		if c, ok := ic.claims[email]; ok {
			return c, nil
		}
		return EmailClaim{}, Errorf(NotFound, "No claim.")
	}
	return s.Invitations.GetEmailClaim(ctx, ic.caller.TenantID, email)
}

// checkInvite normalises an invite's fields and adds a problem for each bad
// one, with field names under prefix.
func checkInvite(fe *fieldErrors, prefix string, in *InviteInput, ic inviteContext) {
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
		if e164, reason := NormalizePhone(in.Phone, ic.partner.Country); reason != "" {
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
	if in.ExpiresInHours != 0 && (in.ExpiresInHours < MinInviteTTLHours || in.ExpiresInHours > MaxInviteTTLHours) {
		fe.add(prefix+"expires_in_hours", "out_of_range", fmt.Sprintf("expires_in_hours must be between %d and %d.", MinInviteTTLHours, MaxInviteTTLHours))
	}
	in.RedirectURL = strings.TrimSpace(in.RedirectURL)
	checkHTTPSURLOrLocal(fe, prefix+"redirect_url", in.RedirectURL)
	in.InviterName = strings.TrimSpace(in.InviterName)
	checkText(fe, prefix+"inviter_name", in.InviterName, false, maxShortText)
}

// InviteUser adds one person to a partner and invites them
// (POST /v1/partners/{id}/users).
//
// The common case — a new email — costs one DynamoDB round trip: settings
// come from a short-lived cache, the claim is written optimistically (and
// read only if the write finds it taken), and the partner's existence is a
// condition of the same transaction. The partner is read first only when a
// national phone number needs its country.
func (s *Service) InviteUser(ctx context.Context, partnerID string, in InviteInput) (InviteResult, error) {
	caller, err := authorize(ctx, PermInvite)
	if err != nil {
		return InviteResult{}, err
	}
	if !validID(partnerIDPrefix, partnerID) {
		return InviteResult{}, Errorf(NotFound, "No partner %s.", partnerID)
	}
	st, err := s.cachedSettings(ctx, caller.TenantID)
	if err != nil {
		return InviteResult{}, err
	}
	ic := inviteContext{
		caller: caller, settings: st, now: timestamp(s.Clock), claims: map[string]EmailClaim{},
		partner: Partner{ID: partnerID, TenantID: caller.TenantID}, partnerUnread: true,
	}
	if phone := strings.TrimSpace(in.Phone); phone != "" && !strings.HasPrefix(phone, "+") {
		if ic.partner, err = s.GetPartner(ctx, partnerID); err != nil {
			return InviteResult{}, err
		}
		ic.partnerUnread = false
	}
	var fe fieldErrors
	checkInvite(&fe, "", &in, ic)
	if err := fe.err(); err != nil {
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

// invite applies the rules of one invite: an email belongs to one partner per
// tenant; a pending invitation is replaced; an active user cannot be invited
// again; an expired or revoked invitation never blocks a new one. dryRun
// reports the outcome without writing.
func (s *Service) invite(ctx context.Context, ic inviteContext, in InviteInput, dryRun bool) (InviteResult, error) {
	email := NormalizeEmail(in.Email)
	for attempt := 1; attempt <= maxInviteAttempts; attempt++ {
		claim, err := s.claimOf(ctx, ic, email, attempt)
		switch {
		case IsKind(err, NotFound):
			res, err := s.createInvitation(ctx, ic, in, nil, dryRun)
			if err == ErrEmailClaimed {
				raceBackoff(ctx, attempt)
				continue // another request claimed it first: decide again
			}
			return res, err
		case err != nil:
			return InviteResult{}, fmt.Errorf("get claim on %s: %w", in.Email, err)
		case claim.PartnerID != ic.partner.ID:
			if ic.partnerUnread { // an unknown partner is a 404, not a conflict
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
		prev, err := s.Invitations.GetInvitation(ctx, ic.caller.TenantID, user.InvitationID)
		if err != nil {
			return InviteResult{}, fmt.Errorf("get invitation of %s: %w", user.ID, err)
		}
		var res InviteResult
		if prev.StatusAt(ic.now) == InvitationPending {
			res, err = s.reissue(ctx, ic, prev, &user, in, dryRun)
		} else {
			res, err = s.createInvitation(ctx, ic, in, &user, dryRun)
		}
		if isRace(err) {
			raceBackoff(ctx, attempt)
			continue
		}
		return res, err
	}
	return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("%s is being changed by other requests; retry.", in.Email),
		Details: map[string]any{"code": "concurrent_change"}}
}

// errRace marks a write that lost a race; invite decides again.
var errRace = &Error{Kind: Conflict, Message: "The invitation was changed by another request."}

func isRace(err error) bool { return err == errRace }

func (s *Service) claimedElsewhere(ctx context.Context, ic inviteContext, email string, claim EmailClaim) error {
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
	inv.SendSeq++
	inv.UpdatedAt = ic.now
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
func (s *Service) createInvitation(ctx context.Context, ic inviteContext, in InviteInput, user *PartnerUser, dryRun bool) (InviteResult, error) {
	n := s.newInvitation(ic, in, user)
	n.CheckPartner = ic.partnerUnread && user == nil
	if dryRun {
		return InviteResult{Outcome: OutcomeCreated, Invitation: n.Invitation, User: n.User}, nil
	}
	token, tok := s.issue(&n.Invitation, ic, in)
	n.Token = tok
	release, err := s.reserveFor(ctx, ic, in)
	if IsKind(err, RateLimited) && n.Claim != nil {
		// The address may have been claimed meanwhile by the invite that
		// used up its emails: then that is the answer, not the limit.
		if _, cerr := s.Invitations.GetEmailClaim(ctx, ic.caller.TenantID, n.Claim.Email); cerr == nil {
			return InviteResult{}, ErrEmailClaimed
		}
	}
	if err != nil {
		return InviteResult{}, err
	}
	err = s.Invitations.CreateInvitation(ctx, n)
	if err != nil {
		release()
	}
	switch {
	case err == ErrEmailClaimed, IsKind(err, NotFound):
		return InviteResult{}, err
	case IsKind(err, Conflict):
		return InviteResult{}, errRace
	case err != nil:
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
	inv := Invitation{
		ID: newID(invitationIDPrefix, ic.now), TenantID: ic.caller.TenantID, PartnerID: ic.partner.ID,
		UserID: n.User.ID, Email: in.Email, Role: in.Role, InvitedBy: ic.caller.KeyID,
		InviterName: in.InviterName, RedirectURL: in.RedirectURL, CreatedAt: ic.now,
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
	next.Role, next.Email = in.Role, in.Email
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
	switch {
	case IsKind(err, Conflict):
		return InviteResult{}, errRace
	case err != nil:
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

// GetInvitation returns one of the caller's invitations.
func (s *Service) GetInvitation(ctx context.Context, id string) (Invitation, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Invitation{}, err
	}
	if !validID(invitationIDPrefix, id) {
		return Invitation{}, Errorf(NotFound, "No invitation %s.", id)
	}
	inv, err := s.Invitations.GetInvitation(ctx, caller.TenantID, id)
	if err != nil {
		return Invitation{}, fmt.Errorf("get invitation %s: %w", id, err)
	}
	return inv, nil
}

// ResendInput asks for a new link for a pending invitation.
type ResendInput struct {
	SendEmail bool
	// EmailVerified vouches for the address of a link-only resend (see InviteInput).
	EmailVerified  bool
	ExpiresInHours int
}

// ResendInvitation gives a pending invitation a new link and a new lifetime,
// and mails it unless SendEmail is false; the old link dies. At most five
// resends an hour per invitation (RateLimited).
func (s *Service) ResendInvitation(ctx context.Context, id string, in ResendInput) (InviteResult, error) {
	if _, err := authorize(ctx, PermInvite); err != nil {
		return InviteResult{}, err
	}
	for attempt := 1; ; attempt++ {
		inv, err := s.GetInvitation(ctx, id)
		if err != nil {
			return InviteResult{}, err
		}
		ic, err := s.newInviteContext(ctx, inv.PartnerID, nil)
		if err != nil {
			return InviteResult{}, err
		}
		if st := inv.StatusAt(ic.now); st != InvitationPending && st != InvitationExpired {
			return InviteResult{}, &Error{Kind: Conflict, Message: fmt.Sprintf("The invitation is %s; only a pending or expired invitation can be resent.", st),
				Details: map[string]any{"code": "invitation_" + string(st)}}
		}
		invite := InviteInput{Email: inv.Email, Role: inv.Role, SendEmail: in.SendEmail, EmailVerified: in.EmailVerified, ExpiresInHours: in.ExpiresInHours}
		var fe fieldErrors
		if in.ExpiresInHours != 0 && (in.ExpiresInHours < MinInviteTTLHours || in.ExpiresInHours > MaxInviteTTLHours) {
			fe.add("expires_in_hours", "out_of_range", fmt.Sprintf("expires_in_hours must be between %d and %d.", MinInviteTTLHours, MaxInviteTTLHours))
		}
		if err := fe.err(); err != nil {
			return InviteResult{}, err
		}
		res, err := s.reissue(ctx, ic, inv, nil, invite, false)
		if isRace(err) && attempt < maxInviteAttempts {
			continue
		}
		return res, err
	}
}

// RevokeInvitation kills a pending (or expired) invitation's link.
func (s *Service) RevokeInvitation(ctx context.Context, id string) (Invitation, error) {
	if _, err := authorize(ctx, PermInvite); err != nil {
		return Invitation{}, err
	}
	for attempt := 1; ; attempt++ {
		inv, err := s.GetInvitation(ctx, id)
		if err != nil {
			return Invitation{}, err
		}
		now := timestamp(s.Clock)
		// An expired invitation can be revoked too: its link is dead already,
		// but the tenant's record should say it was withdrawn, and a renewal
		// request can no longer bring it back.
		if st := inv.StatusAt(now); st != InvitationPending && st != InvitationExpired {
			return Invitation{}, &Error{Kind: Conflict, Message: fmt.Sprintf("The invitation is %s; only a pending or expired invitation can be revoked.", st),
				Details: map[string]any{"code": "invitation_" + string(st)}}
		}
		next := inv
		next.Status, next.RevokedAt, next.UpdatedAt, next.SealedToken = InvitationRevoked, now, now, ""
		err = s.Invitations.RevokeInvitation(ctx, next)
		if IsKind(err, Conflict) && attempt < maxInviteAttempts {
			continue
		}
		if err != nil {
			return Invitation{}, fmt.Errorf("revoke invitation %s: %w", id, err)
		}
		return next, nil
	}
}

// ListInvitations returns a page of the caller's invitations, newest first.
func (s *Service) ListInvitations(ctx context.Context, f InvitationFilter, limit int, cursor string) (Page[Invitation], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[Invitation]{}, err
	}
	var fe fieldErrors
	if f.Status != "" && !f.Status.valid() {
		fe.add("status", "invalid_choice", "status must be one of pending, accepted, expired, revoked.")
	}
	if f.PartnerID != "" && !validID(partnerIDPrefix, f.PartnerID) {
		fe.add("partner_id", "invalid_id", "partner_id is not a partner id.")
	}
	f.Email = NormalizeEmail(f.Email)
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[Invitation]{}, err
	}
	query := "invitations?" + url.Values{"status": {string(f.Status)}, "partner_id": {f.PartnerID}, "email": {f.Email}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[Invitation]{}, err
		}
	}
	items, next, err := s.Invitations.ListInvitations(ctx, caller.TenantID, f, timestamp(s.Clock), position, limit)
	if err != nil {
		return Page[Invitation]{}, fmt.Errorf("list invitations: %w", err)
	}
	page := Page[Invitation]{Items: items}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}

// ListUsers returns a page of a partner's users, oldest first.
func (s *Service) ListUsers(ctx context.Context, partnerID string, f UserFilter, limit int, cursor string) (Page[PartnerUser], error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Page[PartnerUser]{}, err
	}
	if _, err := s.GetPartner(ctx, partnerID); err != nil {
		return Page[PartnerUser]{}, err
	}
	var fe fieldErrors
	switch f.Status {
	case "", UserInvited, UserActive, UserDisabled:
	default:
		fe.add("status", "invalid_choice", "status must be one of invited, active, disabled.")
	}
	limit = checkLimit(&fe, limit)
	if err := fe.err(); err != nil {
		return Page[PartnerUser]{}, err
	}
	query := "users?" + url.Values{"partner_id": {partnerID}, "status": {string(f.Status)}}.Encode()
	position := ""
	if cursor != "" {
		if position, err = s.Cursors.Open(caller.TenantID, query, cursor); err != nil {
			return Page[PartnerUser]{}, err
		}
	}
	items, next, err := s.Invitations.ListUsers(ctx, caller.TenantID, partnerID, f, position, limit)
	if err != nil {
		return Page[PartnerUser]{}, fmt.Errorf("list users: %w", err)
	}
	page := Page[PartnerUser]{Items: items}
	if next != "" {
		page.NextCursor = s.Cursors.Seal(caller.TenantID, query, next)
	}
	return page, nil
}

// ResolveToken returns the invitation an activation link opens: NotFound for
// a link we never made, Gone (with Details["reason"]: expired, revoked,
// accepted, replaced) for one that is dead.
func (s *Service) ResolveToken(ctx context.Context, token string) (Invitation, error) {
	if len(token) != 43 {
		return Invitation{}, Errorf(NotFound, "This link is not valid.")
	}
	hash := HashToken(token)
	tok, err := s.Invitations.GetToken(ctx, hash)
	if IsKind(err, NotFound) {
		return Invitation{}, Errorf(NotFound, "This link is not valid.")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("get token: %w", err)
	}
	inv, err := s.Invitations.GetInvitation(ctx, tok.TenantID, tok.InvitationID)
	if err != nil {
		return Invitation{}, fmt.Errorf("get invitation of token: %w", err)
	}
	gone := func(reason, msg string) error {
		return &Error{Kind: Gone, Message: msg, Details: map[string]any{"reason": reason}}
	}
	switch {
	case inv.TokenHash != hash:
		return inv, gone("replaced", "This link was replaced by a newer one; use the link in the latest email.")
	case inv.StatusAt(timestamp(s.Clock)) == InvitationExpired:
		return inv, gone("expired", "This link has expired.")
	case inv.Status == InvitationRevoked:
		return inv, gone("revoked", "This invitation was withdrawn.")
	case inv.Status == InvitationAccepted:
		return inv, gone("accepted", "This invitation was already accepted.")
	}
	return inv, nil
}
