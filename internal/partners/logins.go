package partners

import (
	"context"
	"errors"
)

// LoginPool is a tenant's own directory of partner logins (a Cognito user
// pool with its app client). Every tenant has one, made with the tenant, so
// that no tenant can see, test or lock another tenant's logins: a password
// set at one tenant means nothing at any other.
type LoginPool struct {
	// ID is the user pool's id.
	ID string
	// ClientID is the app client that the tenant's portal signs in with,
	// and that the activation flow checks passwords with.
	ClientID string
	// Issuer is the pool's token issuer, which names the tenant: the `iss`
	// of every ID token the pool signs. Its JWKS is at JWKSURL.
	Issuer string
}

// PortalAuthFlows are the Cognito auth flows a tenant's portal may use with
// its pool's app client (docs/decisions.md says why these).
var PortalAuthFlows = []string{"USER_SRP_AUTH", "USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"}

// JWKSURL is where the pool's signing keys are published.
func (p LoginPool) JWKSURL() string {
	if p.Issuer == "" {
		return ""
	}
	return p.Issuer + "/.well-known/jwks.json"
}

// Login is a partner login in a tenant's pool.
type Login struct {
	Sub string
	// Unfinished is set for a login that was made but never got its
	// permanent password (the second of the two calls that make a login
	// failed). Nobody can have signed in with it: it is ours to finish.
	Unfinished    bool
	EmailVerified bool
	// Disabled is set for a login whose access the tenant took (its
	// user was removed or turned off): it signs in nowhere until enabled.
	Disabled bool
}

// NewLogin is what a login is made with.
type NewLogin struct {
	Email     string // normalised
	FirstName string
	LastName  string
	// EmailVerified says the person proved the mailbox (or the tenant vouched).
	EmailVerified bool
}

// Errors of Logins.
var (
	// ErrLoginExists: the email already has a login in the pool.
	ErrLoginExists = errors.New("the email already has a login")
	// ErrWrongPassword: the password does not sign the login in — wrong,
	// or the login is locked, or signing in needs a further challenge.
	ErrWrongPassword = errors.New("the password does not sign in")
	// ErrSignOutUnsupported: the login service cannot end a login's
	// sessions (cognito-local has no AdminUserGlobalSignOut).
	ErrSignOutUnsupported = errors.New("the login service cannot sign a login out")
)

// Logins are the partners' logins, in the tenant's own pool. Every call
// names the pool: nothing reaches across tenants.
type Logins interface {
	// Lookup returns the login of a normalised email, if there is one.
	Lookup(ctx context.Context, pool LoginPool, email string) (Login, bool, error)
	// Create makes a login without a usable password (Unfinished until
	// SetPassword); Cognito sends no message. ErrLoginExists if the email
	// has one.
	Create(ctx context.Context, pool LoginPool, l NewLogin) (Login, error)
	// SetPassword gives a login its permanent password. An Invalid error on
	// "password" if the pool refuses the password.
	SetPassword(ctx context.Context, pool LoginPool, email, password string) error
	// CheckPassword signs in with the password, from the server, and
	// returns the login's sub. ErrWrongPassword if that does not give
	// tokens: a wrong password, a locked login, or a challenge.
	CheckPassword(ctx context.Context, pool LoginPool, email, password string) (string, error)
	// MarkEmailVerified records that the login's owner proved the mailbox.
	MarkEmailVerified(ctx context.Context, pool LoginPool, email string) error
	// SignOut ends every session of the login: its refresh tokens stop
	// working (ID and access tokens live out their hour).
	// ErrSignOutUnsupported where the login service cannot.
	SignOut(ctx context.Context, pool LoginPool, email string) error
	// SetEnabled enables or disables a login. A disabled login cannot
	// sign in on AWS (cognito-local only records the flag: the token
	// trigger's refusal is what stops it there).
	SetEnabled(ctx context.Context, pool LoginPool, email string, enabled bool) error
}

// LoginPools make and remove tenants' pools (the operator's side).
type LoginPools interface {
	// CreatePool makes a tenant's pool and its app client with the
	// product's password policy.
	CreatePool(ctx context.Context, tenantID string) (LoginPool, error)
	// DeletePool removes a pool and every login in it.
	DeletePool(ctx context.Context, pool LoginPool) error
}

// poolOf returns a tenant's pool: Internal when the tenant has none, which
// only a tenant made before pools existed can lack.
func poolOf(t Tenant) (LoginPool, error) {
	if t.Pool.ID == "" || t.Pool.ClientID == "" {
		return LoginPool{}, &Error{Kind: Internal, Message: "tenant " + t.ID + " has no login pool"}
	}
	return t.Pool, nil
}
