package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// IDTokenClaims are the claims of a partner's ID token that a portal checks.
type IDTokenClaims struct {
	jwt.Claims
	TokenUse      string `json:"token_use"`
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	// PartnerAccess is the token trigger's claim (internal/tokenclaims).
	PartnerAccess string `json:"partner_access"`
}

// VerifyIDToken checks an ID token as docs/api.md tells a tenant's portal
// to: its signature against the pool's JWKS, its issuer (the tenant's
// pool), its audience (the pool's app client), its use and its expiry.
func VerifyIDToken(idToken, jwksURL, issuer, clientID string) (IDTokenClaims, error) {
	tok, err := jwt.ParseSigned(idToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return IDTokenClaims{}, fmt.Errorf("parse ID token: %w", err)
	}
	resp, err := http.Get(jwksURL)
	if err != nil {
		return IDTokenClaims{}, fmt.Errorf("get JWKS: %w", err)
	}
	defer resp.Body.Close()
	var keys jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&keys); err != nil {
		return IDTokenClaims{}, fmt.Errorf("decode JWKS: %w", err)
	}
	if len(tok.Headers) != 1 || len(keys.Key(tok.Headers[0].KeyID)) != 1 {
		return IDTokenClaims{}, fmt.Errorf("no key %q in the JWKS", tok.Headers[0].KeyID)
	}
	var claims IDTokenClaims
	if err := tok.Claims(keys.Key(tok.Headers[0].KeyID)[0].Key, &claims); err != nil {
		return IDTokenClaims{}, fmt.Errorf("verify ID token: %w", err)
	}
	if err := claims.Validate(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{clientID}, Time: time.Now()}); err != nil {
		return IDTokenClaims{}, err
	}
	if claims.TokenUse != "id" {
		return IDTokenClaims{}, fmt.Errorf("token_use %q: not an ID token", claims.TokenUse)
	}
	return claims, nil
}
