package partners

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// Settings are a tenant's choices about invitations.
type Settings struct {
	// InviteTTLHours is the default lifetime of an activation link.
	InviteTTLHours int
	// Roles are the roles partner users can be given; the first is the one a
	// partner's primary contact gets unless the tenant has an "admin" role.
	Roles []string
	// Branding colours and marks the emails and activation pages.
	Branding Branding
	// Email holds the tenant's default templates; empty parts use the
	// built-in ones.
	Email emails.Templates
	// NamedEmail are the tenant's named templates, which an invite may
	// choose instead of the default (templates.go); empty parts use the
	// default's.
	NamedEmail map[string]emails.Templates
	// PortalURL is where activated users are sent.
	PortalURL string
	// SelfServiceRenewal lets the invitee of an expired link get a new one
	// by email from the link's page; otherwise the request is only recorded
	// on the invitation for the tenant to see.
	SelfServiceRenewal bool
	// SendLimits cap the emails sent; zero values mean the defaults.
	SendLimits SendLimits
	// RetentionDays is how long an invitation is kept after it ends
	// (accepted, expired, revoked, declined) before the table purges it.
	RetentionDays int
	// PartnerForm is the onboarding form of partners created with
	// onboarding "invite".
	PartnerForm PartnerForm
	UpdatedAt   time.Time
}

// Branding is how a tenant's emails and pages look.
type Branding struct {
	LogoURL     string
	AccentColor string // #rrggbb
}

// Defaults and limits of settings.
const (
	DefaultInviteTTLHours = 48
	MinInviteTTLHours     = 1
	MaxInviteTTLHours     = 720
	maxRoles              = 20
	DefaultRetentionDays  = 30
	MinRetentionDays      = 1
	MaxRetentionDays      = 365
)

// DefaultSettings are what a tenant has before it saves any.
func DefaultSettings() Settings {
	return Settings{InviteTTLHours: DefaultInviteTTLHours, Roles: []string{"admin", "member"}, SendLimits: DefaultSendLimits, RetentionDays: DefaultRetentionDays}
}

// Retention is how long an ended invitation is kept.
func (s Settings) Retention() time.Duration {
	days := s.RetentionDays
	if days == 0 {
		days = DefaultRetentionDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// HasRole reports whether role is one of the tenant's roles.
func (s Settings) HasRole(role string) bool {
	for _, r := range s.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// PartnerAdminRole is the role of a partner's own admins, who submit the
// partner form and manage their partner's people: the primary contact's.
func (s Settings) PartnerAdminRole() string { return s.PrimaryContactRole() }

// PrimaryContactRole is the role a partner's primary contact is invited with.
func (s Settings) PrimaryContactRole() string {
	if s.HasRole("admin") {
		return "admin"
	}
	return s.Roles[0]
}

var (
	roleRE  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,49}$`)
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// normalizeSettings checks settings and reports every bad field at once.
func normalizeSettings(s *Settings) error {
	var fe fieldErrors
	if s.InviteTTLHours < MinInviteTTLHours || s.InviteTTLHours > MaxInviteTTLHours {
		fe.add("invite_ttl_hours", "out_of_range", fmt.Sprintf("invite_ttl_hours must be between %d and %d.", MinInviteTTLHours, MaxInviteTTLHours))
	}
	switch {
	case len(s.Roles) == 0:
		fe.add("roles", "required", "roles must name at least one role.")
	case len(s.Roles) > maxRoles:
		fe.add("roles", "too_many", fmt.Sprintf("roles may hold at most %d roles.", maxRoles))
	}
	seen := map[string]bool{}
	for i, r := range s.Roles {
		field := fmt.Sprintf("roles[%d]", i)
		r = strings.TrimSpace(r)
		s.Roles[i] = r
		switch {
		case !roleRE.MatchString(r):
			fe.add(field, "invalid_role", "a role is 1 to 50 lower-case letters, digits, - or _, starting with a letter.")
		case seen[r]:
			fe.add(field, "duplicate", "roles must not repeat "+r+".")
		}
		seen[r] = true
	}
	s.Branding.LogoURL = strings.TrimSpace(s.Branding.LogoURL)
	checkHTTPSURL(&fe, "branding.logo_url", s.Branding.LogoURL)
	if c := strings.TrimSpace(s.Branding.AccentColor); c != "" && !colorRE.MatchString(c) {
		fe.add("branding.accent_color", "invalid_color", "branding.accent_color must be a colour like #2f6fed.")
	} else {
		s.Branding.AccentColor = strings.ToLower(c)
	}
	s.PortalURL = strings.TrimSpace(s.PortalURL)
	checkHTTPSURLOrLocal(&fe, "portal_url", s.PortalURL)
	if s.RetentionDays < MinRetentionDays || s.RetentionDays > MaxRetentionDays {
		fe.add("retention_days", "out_of_range", fmt.Sprintf("retention_days must be between %d and %d.", MinRetentionDays, MaxRetentionDays))
	}
	checkPartnerForm(&fe, &s.PartnerForm)
	checkSendLimits(&fe, s.SendLimits)
	s.SendLimits = s.SendLimits.WithDefaults()
	checkEmailTemplates(&fe, s)
	return fe.err()
}

// SettingsStore keeps tenants' settings.
type SettingsStore interface {
	// GetSettings returns a tenant's settings, or DefaultSettings if it saved none.
	GetSettings(ctx context.Context, tenantID string) (Settings, error)
	// PutSettings replaces a tenant's settings.
	PutSettings(ctx context.Context, tenantID string, s Settings) error
}

// SettingsCacheTTL is how long a function instance reuses a tenant's
// settings on the invite path: a change made elsewhere applies within it.
const SettingsCacheTTL = 5 * time.Second

// settingsCache keeps tenants' settings for SettingsCacheTTL, per function
// instance.
type settingsCache struct {
	mu      sync.Mutex
	entries map[string]cachedSettings
}

type cachedSettings struct {
	settings Settings
	until    time.Time
}

// cachedSettings returns a tenant's settings from the cache or the store.
// Entries age by the Service's Clock, like everything else it dates, so a
// test that moves the clock moves the cache with it.
func (s *Service) cachedSettings(ctx context.Context, tenantID string) (Settings, error) {
	s.cacheOnce.Do(func() { s.cache = &settingsCache{entries: map[string]cachedSettings{}} })
	now := s.Clock.Now()
	s.cache.mu.Lock()
	e, ok := s.cache.entries[tenantID]
	s.cache.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.settings, nil
	}
	st, err := s.Settings.GetSettings(ctx, tenantID)
	if err != nil {
		return Settings{}, fmt.Errorf("get settings: %w", err)
	}
	s.remember(tenantID, st)
	return st, nil
}

func (s *Service) remember(tenantID string, st Settings) {
	s.cacheOnce.Do(func() { s.cache = &settingsCache{entries: map[string]cachedSettings{}} })
	s.cache.mu.Lock()
	s.cache.entries[tenantID] = cachedSettings{settings: st, until: s.Clock.Now().Add(SettingsCacheTTL)}
	s.cache.mu.Unlock()
}

// GetSettings returns the caller's settings.
func (s *Service) GetSettings(ctx context.Context) (Settings, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Settings{}, err
	}
	st, err := s.Settings.GetSettings(ctx, caller.TenantID)
	if err != nil {
		return Settings{}, fmt.Errorf("get settings: %w", err)
	}
	return st, nil
}

// UpdateSettings replaces the caller's settings (admin keys only). A
// template that does not parse or render is refused with its line and
// column.
func (s *Service) UpdateSettings(ctx context.Context, next Settings) (Settings, error) {
	caller, err := authorize(ctx, PermManageSettings)
	if err != nil {
		return Settings{}, err
	}
	if err := normalizeSettings(&next); err != nil {
		return Settings{}, err
	}
	next.UpdatedAt = timestamp(s.Clock)
	if err := s.Settings.PutSettings(ctx, caller.TenantID, next); err != nil {
		return Settings{}, fmt.Errorf("put settings: %w", err)
	}
	s.remember(caller.TenantID, next)
	return next, nil
}
