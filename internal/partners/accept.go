package partners

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Errors of Logins.
var (
	// ErrLoginExists: the email already has a login.
	ErrLoginExists = errors.New("the email already has a login")
	// ErrWrongPassword: the password is not the login's.
	ErrWrongPassword = errors.New("the password is not right")
)

// Logins are the partners' logins (a Cognito user pool).
type Logins interface {
	// Lookup returns the login (its sub) of an email, if there is one.
	Lookup(ctx context.Context, email string) (sub string, found bool, err error)
	// Create makes a login with a permanent password; ErrLoginExists if the
	// email has one.
	Create(ctx context.Context, email, password, firstName, lastName string) (sub string, err error)
	// CheckPassword returns the login's sub if the password is right;
	// ErrWrongPassword if not.
	CheckPassword(ctx context.Context, email, password string) (sub string, err error)
}

// Membership says what a login may reach: one partner of one tenant, with
// a role. One login can hold memberships in partners of several tenants.
type Membership struct {
	Sub       string
	TenantID  string
	PartnerID string
	UserID    string
	Role      string
	CreatedAt time.Time
}

// MembershipStore keeps the accept transaction and memberships.
type MembershipStore interface {
	// AcceptInvitation stores, in one transaction, the invitation accepted,
	// the user active with its login, and the membership — if the stored
	// invitation is still pending at inv.SendSeq with inv.TokenHash.
	// Conflict otherwise.
	AcceptInvitation(ctx context.Context, inv Invitation, user PartnerUser, m Membership) error
	// ListMemberships returns a login's memberships within a tenant.
	ListMemberships(ctx context.Context, sub, tenantID string) ([]Membership, error)
}

// maxPasswordLen is Cognito's limit; longer passwords would be refused
// there with an unhelpful error.
const maxPasswordLen = 256

// AcceptInput is what a person sends to accept an invitation.
type AcceptInput struct {
	Token     string
	Password  string
	FirstName string
	LastName  string
}

// Acceptance is an accepted invitation.
type Acceptance struct {
	Invitation Invitation
	User       PartnerUser
	Membership Membership
	// NewLogin is true when the login was made for this invitation.
	NewLogin bool
	// RedirectURL is where to send the person: the invitation's, else the
	// tenant's portal; may be empty.
	RedirectURL string
}

// CheckPassword returns the reasons a new password misses the policy.
func (p PasswordPolicy) CheckPassword(password string) []string {
	var missing []string
	if len([]rune(password)) < p.MinLength {
		missing = append(missing, fmt.Sprintf("at least %d characters", p.MinLength))
	}
	has := func(f func(rune) bool) bool { return strings.IndexFunc(password, f) >= 0 }
	if p.RequireLowercase && !has(unicode.IsLower) {
		missing = append(missing, "a lower-case letter")
	}
	if p.RequireUppercase && !has(unicode.IsUpper) {
		missing = append(missing, "an upper-case letter")
	}
	if p.RequireDigit && !has(unicode.IsDigit) {
		missing = append(missing, "a digit")
	}
	return missing
}

// HasLogin reports whether the invitee of a live link already has a login:
// the page then asks for its password instead of a new one. Only the
// holder of the link learns it, about their own email.
func (s *Service) HasLogin(ctx context.Context, inv Invitation) (bool, error) {
	_, found, err := s.Logins.Lookup(ctx, NormalizeEmail(inv.Email))
	return found, err
}

// Accept accepts an invitation with a login: a new one with the password
// chosen, or the existing one, whose password is checked first. Cognito is
// called before the transaction and converges on retry: a login made by a
// request whose transaction failed is found and its password checked, so a
// retry makes no second login and leaves no orphan. Of two concurrent
// accepts of one link, one succeeds and the other is Gone ("accepted").
func (s *Service) Accept(ctx context.Context, in AcceptInput) (Acceptance, error) {
	inv, err := s.ResolveToken(ctx, in.Token)
	if err != nil {
		return Acceptance{}, err
	}
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	var fe fieldErrors
	checkText(&fe, "first_name", in.FirstName, false, maxShortText)
	checkText(&fe, "last_name", in.LastName, false, maxShortText)
	switch {
	case in.Password == "":
		fe.add("password", "required", "Enter a password.")
	case len(in.Password) > maxPasswordLen:
		fe.add("password", "too_long", fmt.Sprintf("The password must be at most %d characters.", maxPasswordLen))
	}
	if err := fe.err(); err != nil {
		return Acceptance{}, err
	}
	email := NormalizeEmail(inv.Email)
	_, found, err := s.Logins.Lookup(ctx, email)
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, err)
	}
	var sub string
	newLogin := false
	if !found {
		if missing := DefaultPasswordPolicy.CheckPassword(in.Password); len(missing) > 0 {
			return Acceptance{}, InvalidField("password", "weak_password", "The password needs "+strings.Join(missing, ", ")+".")
		}
		sub, err = s.Logins.Create(ctx, email, in.Password, in.FirstName, in.LastName)
		newLogin = err == nil
		if errors.Is(err, ErrLoginExists) { // a concurrent or earlier attempt made it
			sub, err = s.checkPassword(ctx, email, in.Password)
		}
	} else {
		sub, err = s.checkPassword(ctx, email, in.Password)
	}
	if errors.Is(err, ErrWrongPassword) {
		return Acceptance{}, InvalidField("password", "wrong_password", "That is not the password of your login for "+inv.Email+".")
	}
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, err)
	}

	user, err := s.Invitations.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID)
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, err)
	}
	now := timestamp(s.Clock)
	accepted := inv
	accepted.Status, accepted.AcceptedAt, accepted.UpdatedAt, accepted.SealedToken = InvitationAccepted, now, now, ""
	user.Status, user.Sub, user.UpdatedAt = UserActive, sub, now
	if in.FirstName != "" {
		user.FirstName = in.FirstName
	}
	if in.LastName != "" {
		user.LastName = in.LastName
	}
	m := Membership{Sub: sub, TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: user.ID, Role: inv.Role, CreatedAt: now}
	err = s.Memberships.AcceptInvitation(ctx, accepted, user, m)
	if IsKind(err, Conflict) {
		// Lost to another accept (or a resend, or a revoke): say what the link is now.
		if _, err := s.ResolveToken(ctx, in.Token); err != nil {
			return Acceptance{}, err
		}
		return Acceptance{}, Errorf(Conflict, "The invitation changed meanwhile; open the link again.")
	}
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, err)
	}
	redirect := inv.RedirectURL
	if redirect == "" {
		if st, err := s.Settings.GetSettings(ctx, inv.TenantID); err == nil {
			redirect = st.PortalURL
		}
	}
	return Acceptance{Invitation: accepted, User: user, Membership: m, NewLogin: newLogin, RedirectURL: redirect}, nil
}

// checkPassword checks a login's password. A refusal is checked again a
// few times before it counts: a concurrent accept of the same link may be
// between creating the login and setting its password. The wait also slows
// guessing.
func (s *Service) checkPassword(ctx context.Context, email, password string) (string, error) {
	for attempt := 1; ; attempt++ {
		sub, err := s.Logins.CheckPassword(ctx, email, password)
		if !errors.Is(err, ErrWrongPassword) || attempt == 3 {
			return sub, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Duration(attempt) * 150 * time.Millisecond):
		}
	}
}

// ListMemberships returns what a login may reach in the caller's tenant.
func (s *Service) ListMemberships(ctx context.Context, sub string) ([]Membership, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return nil, err
	}
	if sub == "" || len(sub) > 128 {
		return nil, Errorf(NotFound, "No login %s in this tenant.", sub)
	}
	ms, err := s.Memberships.ListMemberships(ctx, sub, caller.TenantID)
	if err != nil {
		return nil, fmt.Errorf("list memberships of %s: %w", sub, err)
	}
	if len(ms) == 0 {
		return nil, Errorf(NotFound, "No login %s in this tenant.", sub)
	}
	return ms, nil
}
