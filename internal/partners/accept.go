package partners

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Membership says what a login may reach: one partner of its tenant, with a
// role. A login belongs to one tenant (it lives in that tenant's pool).
type Membership struct {
	Sub       string
	TenantID  string
	PartnerID string
	UserID    string
	Email     string // normalised: the login's username
	Role      string
	// Status is whether the membership lets the login in: a disabled one
	// (portal access turned off, or its partner inactive) gets no tokens.
	Status    MembershipStatus
	CreatedAt time.Time
}

// MembershipStatus says whether a membership gives access.
type MembershipStatus string

// The membership statuses.
const (
	MembershipActive   MembershipStatus = "active"
	MembershipDisabled MembershipStatus = "disabled"
)

// Active reports whether the membership gives access; a membership stored
// before statuses existed is active.
func (m Membership) Active() bool { return m.Status == "" || m.Status == MembershipActive }

// MembershipStore keeps the accept transaction and memberships.
type MembershipStore interface {
	// AcceptInvitation stores, in one transaction, the invitation accepted,
	// the user active with its login, and the membership — if the stored
	// invitation is still pending at inv.SendSeq with inv.TokenHash
	// (ConflictInvitationChanged otherwise), the user still invited
	// (ConflictUserChanged) and the partner neither inactive nor rejected
	// (ConflictPartnerMissing).
	AcceptInvitation(ctx context.Context, inv Invitation, user PartnerUser, m Membership) error
	// ListMemberships returns a login's memberships within a tenant.
	ListMemberships(ctx context.Context, sub, tenantID string) ([]Membership, error)
}

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
	// Login is how the tenant's portal signs the person in.
	Login LoginRef
}

// LoginRef tells a tenant's portal how its partner signs in: the tenant's
// pool and app client, and the username to sign in with.
type LoginRef struct {
	Pool     LoginPool
	Username string
}

// emailProven reports whether accepting this issue of the invitation proves
// that the person reads the mailbox: its link went out in our email. A
// link-only invitation's link went to the tenant, who may have passed it to
// anyone.
func emailProven(inv Invitation) bool { return inv.Delivery.Status != DeliveryNotSent }

// Accept accepts an invitation with a login in the tenant's own pool: a new
// one with the password chosen, or the person's existing login there, whose
// password is checked under the guessing ceiling. Nothing of another
// tenant's pool is ever read, so what happens here cannot depend on logins
// elsewhere.
//
// Cognito is called before the transaction, and every step converges on
// retry: a login made by an attempt whose second Cognito call or whose
// transaction failed is found again — unfinished (no password yet), it is
// finished with this attempt's password; finished, its password is checked.
// Of two concurrent accepts of one link, one succeeds and the other is Gone
// ("accepted").
func (s *Service) Accept(ctx context.Context, in AcceptInput) (Acceptance, error) {
	inv, err := s.ResolveToken(ctx, in.Token)
	if err != nil {
		return Acceptance{}, err
	}
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	var fe fieldErrors
	checkText(&fe, "first_name", in.FirstName, false, maxShortText)
	checkText(&fe, "last_name", in.LastName, false, maxShortText)
	switch code, msg := DefaultPasswordPolicy.CheckPassword(in.Password); code {
	case passwordRequired, passwordTooLong:
		fe.add("password", code, msg)
	}
	if err := fe.err(); err != nil {
		return Acceptance{}, err
	}
	pool, err := s.poolOfTenant(ctx, inv.TenantID)
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, err)
	}
	email := NormalizeEmail(inv.Email)
	verified := emailProven(inv) || inv.TenantVerifiedEmail
	// The user and the settings do not depend on the login: they are read
	// while Cognito makes it, off the accept's critical path.
	var (
		user        PartnerUser
		st          Settings
		userErr     error
		settingsErr error
		readsDone   = make(chan struct{})
	)
	go func() {
		defer close(readsDone)
		user, userErr = s.Invitations.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID)
		st, settingsErr = s.cachedSettings(ctx, inv.TenantID)
	}()
	sub, newLogin, err := s.login(ctx, pool, inv, email, in, verified, false)
	<-readsDone
	if err != nil {
		return Acceptance{}, err
	}
	if userErr != nil {
		return Acceptance{}, fmt.Errorf("accept %s: %w", inv.ID, userErr)
	}
	if settingsErr != nil {
		return Acceptance{}, settingsErr
	}
	now := timestamp(s.Clock)
	accepted := inv
	user.Status, user.Sub, user.UpdatedAt = UserActive, sub, now
	user.ChangedBy = userActor(user)
	accepted.end(InvitationAccepted, now, user.ChangedBy, st.Retention())
	accepted.AcceptedAt = now
	if in.FirstName != "" {
		user.FirstName = in.FirstName
	}
	if in.LastName != "" {
		user.LastName = in.LastName
	}
	m := Membership{Sub: sub, TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: user.ID, Email: email, Role: inv.Role, Status: MembershipActive, CreatedAt: now}
	err = s.Memberships.AcceptInvitation(ctx, accepted, user, m)
	if isConflict(err, ConflictPartnerMissing) {
		// The partner was made inactive or rejected: its links are dead.
		p, perr := s.Partners.GetPartner(ctx, inv.TenantID, inv.PartnerID)
		if perr != nil {
			return Acceptance{}, fmt.Errorf("accept %s: get partner: %w", inv.ID, perr)
		}
		if reason := p.closedReason(); reason != "" {
			return Acceptance{}, &Error{Kind: Gone, Message: "This partner takes nobody in now.", Details: map[string]any{"reason": reason}}
		}
		return Acceptance{}, Errorf(Conflict, "The partner changed meanwhile; try again.")
	}
	if isConflict(err, ConflictInvitationChanged, ConflictUserChanged, ConflictConcurrentWrite) {
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
		redirect = st.PortalURL // from the settings cache, like the rest of the accept
	}
	return Acceptance{
		Invitation: accepted, User: user, Membership: m, NewLogin: newLogin, RedirectURL: redirect,
		Login: LoginRef{Pool: pool, Username: email},
	}, nil
}

// login finds or makes the invitee's login in the tenant's pool and returns
// its sub, and whether this acceptance made (or finished) it.
// retried is set on the second go, after a concurrent attempt made the login.
func (s *Service) login(ctx context.Context, pool LoginPool, inv Invitation, email string, in AcceptInput, verified, retried bool) (string, bool, error) {
	// Most invitees have no login yet: with a password that meets the
	// policy, making the login is the first call, and a login that exists
	// already is then looked up (one Cognito call fewer for a new one).
	if !retried && DefaultPasswordPolicy.passwordError(in.Password) == nil {
		login, err := s.Logins.Create(ctx, pool, NewLogin{Email: email, FirstName: in.FirstName, LastName: in.LastName, EmailVerified: verified})
		switch {
		case err == nil:
			return s.finishLogin(ctx, pool, inv, email, in, login)
		case !errors.Is(err, ErrLoginExists):
			return "", false, fmt.Errorf("accept %s: create login: %w", inv.ID, err)
		}
	}
	login, found, err := s.Logins.Lookup(ctx, pool, email)
	if err != nil {
		return "", false, fmt.Errorf("accept %s: look up login: %w", inv.ID, err)
	}
	if found && !login.Unfinished {
		if login.Disabled {
			// Its last membership here ended (the person was removed) and
			// a new invitation brings them back: the login must be enabled
			// for its password to be checked. Enabled, it still gets no
			// tokens without an active membership (the token trigger).
			if err := s.Logins.SetEnabled(ctx, pool, email, true); err != nil {
				return "", false, fmt.Errorf("accept %s: enable login: %w", inv.ID, err)
			}
		}
		sub, err := s.checkExistingPassword(ctx, pool, inv.TenantID, login, email, in.Password)
		if err != nil {
			return "", false, err
		}
		if err := s.markVerified(ctx, pool, inv, email, login, verified); err != nil {
			return "", false, err
		}
		return sub, false, nil
	}
	if err := DefaultPasswordPolicy.passwordError(in.Password); err != nil {
		return "", false, err
	}
	if !found {
		login, err = s.Logins.Create(ctx, pool, NewLogin{Email: email, FirstName: in.FirstName, LastName: in.LastName, EmailVerified: verified})
		if errors.Is(err, ErrLoginExists) && !retried {
			// A concurrent attempt made it meanwhile: go again with what it made.
			return s.login(ctx, pool, inv, email, in, verified, true)
		}
		if err != nil {
			return "", false, fmt.Errorf("accept %s: create login: %w", inv.ID, err)
		}
	} else if err := s.markVerified(ctx, pool, inv, email, login, verified); err != nil {
		return "", false, err
	}
	return s.finishLogin(ctx, pool, inv, email, in, login)
}

// finishLogin sets the password of a login made without one. Such a login
// has never been signed in with: it is ours to set, now or on the next
// attempt if this one fails.
func (s *Service) finishLogin(ctx context.Context, pool LoginPool, inv Invitation, email string, in AcceptInput, login Login) (string, bool, error) {
	if err := s.Logins.SetPassword(ctx, pool, email, in.Password); err != nil {
		if IsKind(err, Invalid) {
			return "", false, err
		}
		return "", false, fmt.Errorf("accept %s: set password: %w", inv.ID, err)
	}
	return login.Sub, true, nil
}

// LoginMemberships is what a login may reach in the caller's tenant, and
// how the tenant's portal signs it in.
type LoginMemberships struct {
	Login       LoginRef
	Memberships []Membership
}

// ListMemberships returns what a login may reach in the caller's tenant.
// NotFound for a login of no membership here, whatever it is elsewhere.
func (s *Service) ListMemberships(ctx context.Context, sub string) (LoginMemberships, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return LoginMemberships{}, err
	}
	if sub == "" || len(sub) > 128 {
		return LoginMemberships{}, Errorf(NotFound, "No login %s in this tenant.", sub)
	}
	ms, err := s.Memberships.ListMemberships(ctx, sub, caller.TenantID)
	if err != nil {
		return LoginMemberships{}, fmt.Errorf("list memberships of %s: %w", sub, err)
	}
	if len(ms) == 0 {
		return LoginMemberships{}, Errorf(NotFound, "No login %s in this tenant.", sub)
	}
	pool, err := s.Identity(ctx)
	if err != nil {
		return LoginMemberships{}, err
	}
	return LoginMemberships{Login: LoginRef{Pool: pool, Username: ms[0].Email}, Memberships: ms}, nil
}

// markVerified records a proven mailbox on a login that did not have it.
func (s *Service) markVerified(ctx context.Context, pool LoginPool, inv Invitation, email string, login Login, verified bool) error {
	if !verified || login.EmailVerified {
		return nil
	}
	if err := s.Logins.MarkEmailVerified(ctx, pool, email); err != nil {
		return fmt.Errorf("accept %s: mark email verified: %w", inv.ID, err)
	}
	return nil
}

// Identity returns the caller's login pool: what its portal signs partners
// in with, and what their ID tokens are verified against.
func (s *Service) Identity(ctx context.Context) (LoginPool, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return LoginPool{}, err
	}
	return s.poolOfTenant(ctx, caller.TenantID)
}

// poolOfTenant reads a tenant's login pool.
func (s *Service) poolOfTenant(ctx context.Context, tenantID string) (LoginPool, error) {
	// A tenant's pool never changes once made: an instance keeps it for
	// PoolCacheTTL (aged by the Service's clock), one read fewer on every
	// accept.
	if v, ok := s.pools.Load(tenantID); ok {
		if e := v.(cachedPool); s.Clock.Now().Before(e.until) {
			return e.pool, nil
		}
	}
	t, err := s.Tenants.GetTenant(ctx, tenantID)
	if err != nil {
		return LoginPool{}, fmt.Errorf("get tenant %s: %w", tenantID, err)
	}
	pool, err := poolOf(t)
	if err != nil {
		return LoginPool{}, err
	}
	s.pools.Store(tenantID, cachedPool{pool: pool, until: s.Clock.Now().Add(PoolCacheTTL)})
	return pool, nil
}

// PoolCacheTTL is how long an instance keeps a tenant's login pool.
const PoolCacheTTL = 5 * time.Minute

type cachedPool struct {
	pool  LoginPool
	until time.Time
}
