// Package partnertoken verifies a partner user's Cognito ID token for the
// partner routes (/v1/partner/…): its signature against its pool's JWKS,
// its issuer (a tenant's pool: issuer → pool → tenant), audience (that
// pool's app client), use (id) and expiry, with go-jose. It never logs a
// token.
package partnertoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Why a token is refused. They are in the logs, never in the answer, which
// says only that the token is not valid.
var (
	ErrMalformed     = errors.New("not a signed JWT")
	ErrUnknownIssuer = errors.New("issuer is no tenant's pool")
	ErrUnknownKey    = errors.New("no key of the pool's JWKS signed it")
	ErrSignature     = errors.New("bad signature")
	ErrClaims        = errors.New("claims refused")
	ErrNotIDToken    = errors.New("not an ID token")
)

// Identity is who a verified token names: the tenant of its pool and the
// login.
type Identity struct {
	Tenant partners.Tenant
	Sub    string
}

// Verifier checks ID tokens. Its zero JWKS cache is ready to use.
type Verifier struct {
	Pools partners.PoolDirectory
	// HTTP fetches the key sets; nil: a client with a 5 s timeout.
	HTTP  *http.Client
	Clock partners.Clock

	mu   sync.Mutex
	jwks map[string]cachedKeys // by pool id
}

type cachedKeys struct {
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// keysTTL is how long a pool's key set is used before it is fetched again;
// an unknown kid refetches it at most every refetchAfter.
const (
	keysTTL      = time.Hour
	refetchAfter = time.Minute
)

// idClaims are the claims we check.
type idClaims struct {
	jwt.Claims
	TokenUse string `json:"token_use"`
}

// Verify checks an ID token; a refused token is an error wrapping one of
// the Err values above.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 {
		return Identity{}, ErrMalformed
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Identity{}, ErrMalformed
	}
	tenant, err := v.tenantOf(ctx, unverified.Issuer)
	if err != nil {
		return Identity{}, err
	}
	key, err := v.key(ctx, tenant.Pool, tok.Headers[0].KeyID)
	if err != nil {
		return Identity{}, err
	}
	var claims idClaims
	if err := tok.Claims(key.Key, &claims); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	err = claims.ValidateWithLeeway(jwt.Expected{
		Issuer: tenant.Pool.Issuer, AnyAudience: jwt.Audience{tenant.Pool.ClientID}, Time: v.Clock.Now(),
	}, jwt.DefaultLeeway) // a minute of clock skew, for iat and exp alike
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	if claims.Expiry == nil {
		return Identity{}, fmt.Errorf("%w: no expiry", ErrClaims)
	}
	if claims.TokenUse != "id" {
		return Identity{}, ErrNotIDToken
	}
	if claims.Subject == "" {
		return Identity{}, fmt.Errorf("%w: no subject", ErrClaims)
	}
	return Identity{Tenant: tenant, Sub: claims.Subject}, nil
}

// tenantOf finds the tenant whose pool issued the token: the pool id is
// the issuer's last path segment, and the issuer must be exactly the one
// stored with that tenant's pool.
func (v *Verifier) tenantOf(ctx context.Context, issuer string) (partners.Tenant, error) {
	i := strings.LastIndex(issuer, "/")
	if i < 0 || i == len(issuer)-1 {
		return partners.Tenant{}, ErrUnknownIssuer
	}
	t, err := v.Pools.TenantOfPool(ctx, issuer[i+1:])
	if partners.IsKind(err, partners.NotFound) {
		return partners.Tenant{}, ErrUnknownIssuer
	}
	if err != nil {
		return partners.Tenant{}, fmt.Errorf("tenant of issuer: %w", err)
	}
	if t.Pool.Issuer != issuer || t.Pool.ClientID == "" {
		return partners.Tenant{}, ErrUnknownIssuer
	}
	return t, nil
}

// key returns the pool's key of that kid, from the cache or its JWKS
// (`{issuer}/.well-known/jwks.json`, which on the local stack is
// cognito-local's endpoint: the issuer is built from it).
func (v *Verifier) key(ctx context.Context, pool partners.LoginPool, kid string) (jose.JSONWebKey, error) {
	now := time.Now()
	v.mu.Lock()
	cached, ok := v.jwks[pool.ID]
	v.mu.Unlock()
	if ok && now.Sub(cached.fetched) < keysTTL {
		if ks := cached.keys.Key(kid); len(ks) == 1 {
			return ks[0], nil
		}
		if now.Sub(cached.fetched) < refetchAfter {
			return jose.JSONWebKey{}, ErrUnknownKey
		}
	}
	keys, err := v.fetch(ctx, pool.Issuer+"/.well-known/jwks.json")
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	v.mu.Lock()
	if v.jwks == nil {
		v.jwks = map[string]cachedKeys{}
	}
	v.jwks[pool.ID] = cachedKeys{keys: keys, fetched: now}
	v.mu.Unlock()
	if ks := keys.Key(kid); len(ks) == 1 {
		return ks[0], nil
	}
	return jose.JSONWebKey{}, ErrUnknownKey
}

func (v *Verifier) fetch(ctx context.Context, url string) (jose.JSONWebKeySet, error) {
	client := v.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("JWKS request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("get JWKS %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("get JWKS %s: %s", url, resp.Status)
	}
	var keys jose.JSONWebKeySet
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&keys); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("decode JWKS %s: %w", url, err)
	}
	return keys, nil
}

// Refused reports whether err is a token we refuse (401), rather than a
// failure of ours.
func Refused(err error) bool {
	for _, e := range []error{ErrMalformed, ErrUnknownIssuer, ErrUnknownKey, ErrSignature, ErrClaims, ErrNotIDToken} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
