package partners

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Clock tells the time; tests control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Page is one page of a listing: the items, and the cursor of the next page
// (empty on the last page).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Service applies the domain's rules to the requests of a tenant's API keys.
// The caller is read from the context (WithPrincipal); every method scopes
// every lookup by the caller's tenant.
type Service struct {
	Partners    PartnerStore
	Invitations InvitationStore
	Settings    SettingsStore
	Imports     *ImportJobs
	Memberships MembershipStore
	// Access writes changes of users' portal access.
	Access  AccessStore
	Counter UserCounter
	// Events is the audit trail.
	Events EventStore
	// Logins are the partner logins, each tenant's in its own pool.
	Logins Logins
	// SendQuota counts the emails sent, for the send limits.
	SendQuota SendQuotaStore
	// PasswordGuard counts wrong passwords per login, for the ceiling.
	PasswordGuard PasswordGuardStore
	// Resets keeps password reset requests and their links.
	Resets PasswordResetStore
	// Tenants reads tenants (names for pages and emails, login pools).
	Tenants interface {
		GetTenant(ctx context.Context, id string) (Tenant, error)
	}
	// Phones checks phone numbers; nil in the functions that take none.
	Phones  PhoneNormalizer
	Cursors *Cursors
	// Tokens seals activation tokens for the email sender.
	Tokens *TokenSealer
	// ActivationBaseURL is where activation links point: BASE/activate/TOKEN.
	ActivationBaseURL string
	Clock             Clock

	cacheOnce sync.Once
	cache     *settingsCache
	// pools caches tenants' login pools (tenant id → cachedPool).
	pools sync.Map
}

// List limits.
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

func checkLimit(fe *fieldErrors, limit int) int {
	switch {
	case limit == 0:
		return DefaultListLimit
	case limit < 1 || limit > MaxListLimit:
		fe.add("limit", "out_of_range", "limit must be between 1 and "+fmt.Sprint(MaxListLimit)+".")
	}
	return limit
}

// timestamp is the time recorded on changes: UTC, to the millisecond, as the
// API shows it.
func timestamp(c Clock) time.Time {
	return c.Now().UTC().Truncate(time.Millisecond)
}
