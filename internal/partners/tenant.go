package partners

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Tenant is a SaaS company that uses Partner Invites through its API keys.
type Tenant struct {
	ID   string
	Name string
	// Pool is the tenant's own directory of partner logins.
	Pool      LoginPool
	CreatedAt time.Time
}

// APIKey is a tenant's credential. The key itself is shown once, when it is
// created; only its SHA-256 is stored.
type APIKey struct {
	ID        string
	TenantID  string
	Name      string
	Role      Role
	Hash      string // hex SHA-256 of the key
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is live
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// apiKeyPrefix marks our secrets so that secret scanners and people can tell
// what a leaked string is.
const apiKeyPrefix = "pik_"

// HashAPIKey returns the stored form of a key: hex SHA-256. An unsalted hash is
// right here because keys carry 256 bits of randomness.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func newAPIKeySecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewTenant is what CreateTenant returns: the tenant and its first key, whose
// secret is never retrievable again.
type NewTenant struct {
	Tenant Tenant
	Key    APIKey
	Secret string
}

// NewAPIKey is what CreateAPIKey returns: the key and its secret, shown once.
type NewAPIKey struct {
	Key    APIKey
	Secret string
}

// TenantStore persists tenants and API keys.
type TenantStore interface {
	// CreateTenant stores a new tenant with its first key. Conflict if the id exists.
	CreateTenant(ctx context.Context, t Tenant, first APIKey) error
	// GetTenant returns a tenant. NotFound if absent.
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// CreateAPIKey stores a key. Conflict if the id or hash exists.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// GetAPIKeyByHash returns the key with this hash. NotFound if absent.
	GetAPIKeyByHash(ctx context.Context, hash string) (APIKey, error)
	// ListAPIKeys returns a tenant's keys, revoked ones included.
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked. NotFound if the tenant has no such key.
	RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error
}

// Tenants administers tenants and their keys. It is the operator's service
// (partnerctl), not reachable through tenant routes.
type Tenants struct {
	Store TenantStore
	// Pools makes each tenant's login pool.
	Pools LoginPools
	Clock Clock
}

// CreateTenant creates a tenant, its login pool and its first admin key.
// The pool comes first: a tenant is never stored without one. If storing
// the tenant fails, the pool is removed again.
func (s *Tenants) CreateTenant(ctx context.Context, name string) (NewTenant, error) {
	name = strings.TrimSpace(name)
	var fe fieldErrors
	checkText(&fe, "name", name, true, maxNameLen)
	if err := fe.err(); err != nil {
		return NewTenant{}, err
	}
	now := timestamp(s.Clock)
	t := Tenant{ID: newID(tenantIDPrefix, now), Name: name, CreatedAt: now}
	pool, err := s.Pools.CreatePool(ctx, t.ID)
	if err != nil {
		return NewTenant{}, fmt.Errorf("create tenant: login pool: %w", err)
	}
	t.Pool = pool
	secret := newAPIKeySecret()
	k := APIKey{
		ID: newID(apiKeyIDPrefix, now), TenantID: t.ID, Name: "default", Role: RoleAdmin,
		Hash: HashAPIKey(secret), CreatedAt: now,
	}
	if err := s.Store.CreateTenant(ctx, t, k); err != nil {
		if derr := s.Pools.DeletePool(context.WithoutCancel(ctx), pool); derr != nil {
			return NewTenant{}, fmt.Errorf("create tenant: %w (and removing its pool %s failed: %v)", err, pool.ID, derr)
		}
		return NewTenant{}, fmt.Errorf("create tenant: %w", err)
	}
	return NewTenant{Tenant: t, Key: k, Secret: secret}, nil
}

// CreateAPIKey creates a key with a role and a name for an existing tenant.
func (s *Tenants) CreateAPIKey(ctx context.Context, tenantID, name string, role Role) (NewAPIKey, error) {
	var fe fieldErrors
	checkText(&fe, "name", strings.TrimSpace(name), true, maxNameLen)
	if !role.Valid() {
		fe.add("role", "invalid_choice", "role must be one of admin, manager, viewer.")
	}
	if err := fe.err(); err != nil {
		return NewAPIKey{}, err
	}
	if _, err := s.Store.GetTenant(ctx, tenantID); err != nil {
		return NewAPIKey{}, fmt.Errorf("create key for tenant %s: %w", tenantID, err)
	}
	now := timestamp(s.Clock)
	secret := newAPIKeySecret()
	k := APIKey{
		ID: newID(apiKeyIDPrefix, now), TenantID: tenantID, Name: strings.TrimSpace(name), Role: role,
		Hash: HashAPIKey(secret), CreatedAt: now,
	}
	if err := s.Store.CreateAPIKey(ctx, k); err != nil {
		return NewAPIKey{}, fmt.Errorf("create key for tenant %s: %w", tenantID, err)
	}
	return NewAPIKey{Key: k, Secret: secret}, nil
}

// RevokeAPIKey revokes a key; requests with it are refused from then on
// (after the authorizer's cache, at most its TTL, has expired).
func (s *Tenants) RevokeAPIKey(ctx context.Context, tenantID, keyID string) error {
	if err := s.Store.RevokeAPIKey(ctx, tenantID, keyID, timestamp(s.Clock)); err != nil {
		return fmt.Errorf("revoke key %s: %w", keyID, err)
	}
	return nil
}

// ListAPIKeys lists a tenant's keys, without their secrets.
func (s *Tenants) ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error) {
	keys, err := s.Store.ListAPIKeys(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list keys of tenant %s: %w", tenantID, err)
	}
	return keys, nil
}

// KeyStore finds API keys by their hash.
type KeyStore interface {
	// GetAPIKeyByHash returns the key with this hash. NotFound if absent.
	GetAPIKeyByHash(ctx context.Context, hash string) (APIKey, error)
}

// Authenticator turns a presented API key into the caller it stands for.
type Authenticator struct {
	Keys KeyStore
}

// Authenticate returns the principal for a key: Unauthenticated for an
// unknown, malformed or revoked key.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) || len(secret) > 200 {
		return Principal{}, Errorf(Unauthenticated, "The API key is not valid.")
	}
	k, err := a.Keys.GetAPIKeyByHash(ctx, HashAPIKey(secret))
	switch {
	case IsKind(err, NotFound):
		return Principal{}, Errorf(Unauthenticated, "The API key is not valid.")
	case err != nil:
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	case k.Revoked():
		return Principal{}, Errorf(Unauthenticated, "The API key has been revoked.")
	}
	return Principal{TenantID: k.TenantID, KeyID: k.ID, KeyName: k.Name, Role: k.Role}, nil
}
