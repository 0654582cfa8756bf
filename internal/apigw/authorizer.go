package apigw

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Keys of the authorizer's context, as the tenant routes' handlers read them.
const (
	ctxTenantID  = "tenant_id"
	ctxKeyID     = "key_id"
	ctxKeyName   = "key_name"
	ctxRole      = "role"
	ctxAuthError = "auth_error"
)

// AuthorizerCacheTTL is how long API Gateway (and the local gateway) reuse
// the authorizer's answer for one Authorization header: it bounds how long a
// revoked key may still pass.
const AuthorizerCacheTTL = 60 * time.Second

// KeyAuthenticator turns an API key into its principal.
type KeyAuthenticator interface {
	// Authenticate returns Unauthenticated for an unknown or revoked key.
	Authenticate(ctx context.Context, secret string) (partners.Principal, error)
}

// Authorizer is the Lambda authorizer (HTTP API, simple responses) of the
// tenant routes.
//
// A request with an unknown or revoked key is authorized with an auth_error
// in its context instead of being denied: API Gateway would answer a denial
// with a bare 403, while the handler answers 401 problem+json saying what is
// wrong. Every AuthAPIKey handler refuses such a request (serveTenant), and a
// test holds every route in the table to that.
type Authorizer struct {
	Keys KeyAuthenticator
	Log  *slog.Logger
}

// Authorize is the authorizer's Lambda handler.
func (a *Authorizer) Authorize(ctx context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	secret, ok := bearerToken(e)
	if !ok {
		log.Info("authorizer: no bearer token")
		return refused("Send your API key as: Authorization: Bearer <key>."), nil
	}
	p, err := a.Keys.Authenticate(ctx, secret)
	if partners.IsKind(err, partners.Unauthenticated) {
		log.Info("authorizer: key refused", "err", err)
		var pe *partners.Error
		errors.As(err, &pe)
		return refused(pe.Message), nil
	}
	if err != nil {
		// API Gateway answers 500 and does not cache an authorizer error.
		log.Error("authorizer failed", "err", err)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	log.Info("authorizer: key accepted", "tenant_id", p.TenantID, "key_id", p.KeyID, "role", p.Role)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context:      map[string]any{ctxTenantID: p.TenantID, ctxKeyID: p.KeyID, ctxKeyName: p.KeyName, ctxRole: string(p.Role)},
	}, nil
}

func refused(reason string) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true, Context: map[string]any{ctxAuthError: reason},
	}
}

func bearerToken(e events.APIGatewayV2CustomAuthorizerV2Request) (string, bool) {
	h := e.Headers["authorization"]
	if h == "" && len(e.IdentitySource) > 0 {
		h = e.IdentitySource[0]
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
