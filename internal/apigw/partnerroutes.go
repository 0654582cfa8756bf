package apigw

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// PartnerAuthenticator turns a partner user's ID token into its principal.
type PartnerAuthenticator interface {
	// Authenticate returns Unauthenticated for a token refused, Forbidden
	// for a login with no active membership.
	Authenticate(ctx context.Context, idToken string) (partners.Principal, error)
}

// PartnerPortal is what the partner routes need from the domain.
type PartnerPortal interface {
	ListOwnUsers(ctx context.Context, f partners.UserFilter, limit int, cursor string) (partners.Page[partners.PartnerUser], error)
	InviteOwn(ctx context.Context, in partners.InviteInput) (partners.InviteResult, error)
	ListOwnInvitations(ctx context.Context, f partners.InvitationFilter, limit int, cursor string) (partners.Page[partners.Invitation], error)
	ResendOwn(ctx context.Context, id string, in partners.ResendInput) (partners.InviteResult, error)
	RevokeOwn(ctx context.Context, id string) (partners.Invitation, error)
	OwnPartner(ctx context.Context) (partners.PartnerFormView, error)
	SubmitOwnAnswers(ctx context.Context, in partners.FormInput) (partners.Partner, error)
}

// servePartner runs an endpoint of an AuthPartnerToken route: the ID token
// verified and the membership read (PartnerAuthenticator), the route's
// permission, the tenant's rate, then as serveTenant. The handler, not an
// API Gateway authorizer, verifies: see docs/decisions.md.
func (a *API) servePartner(ctx context.Context, e events.APIGatewayV2HTTPRequest, ep endpoint) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("lambda_request_id", lc.AwsRequestID)
	}
	done := func(resp events.APIGatewayV2HTTPResponse) (events.APIGatewayV2HTTPResponse, error) {
		log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
		return resp, nil
	}
	r := &request{event: e}
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.header("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return done(a.fail(log, e, partners.Errorf(partners.Unauthenticated, "Send the partner user's ID token as: Authorization: Bearer <ID token>.")))
	}
	if a.PartnerAuth == nil {
		return done(a.fail(log, e, partners.Errorf(partners.Internal, "partner routes are not wired")))
	}
	caller, err := a.PartnerAuth.Authenticate(ctx, strings.TrimSpace(token))
	if err != nil {
		return done(a.fail(log, e, err))
	}
	u := caller.PartnerUser
	log = log.With("tenant_id", caller.TenantID, "partner_id", u.PartnerID, "user_id", u.UserID)
	if route, ok := routeByKey(e.RouteKey); ok && route.Permission != "" && !caller.Can(route.Permission) {
		return done(a.fail(log, e, partners.Errorf(partners.Forbidden, "A partner user with the %s role cannot do this.", u.Role)))
	}
	adm := a.admit(ctx, log, caller.TenantID)
	ctx = partners.WithLog(partners.WithPrincipal(ctx, caller), log)
	return done(a.runAdmitted(ctx, log, e, adm, func(ctx context.Context) events.APIGatewayV2HTTPResponse {
		return a.run(ctx, log, caller, r, maxJSONBody, ep)
	}))
}

// ListOwnUsers handles GET /v1/partner/users.
func (a *API) ListOwnUsers(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		page, err := a.Portal.ListOwnUsers(ctx, partners.UserFilter{Status: partners.UserStatus(r.query("status"))}, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, userOut), nil
	})
}

// InviteOwn handles POST /v1/partner/users: the body of POST
// /v1/partners/{id}/users, into the caller's own partner, without grants.
func (a *API) InviteOwn(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, a.inviteEndpoint(func(ctx context.Context, _ *request, in partners.InviteInput) (partners.InviteResult, error) {
		return a.Portal.InviteOwn(ctx, in)
	}))
}

// ListOwnInvitations handles GET /v1/partner/invitations.
func (a *API) ListOwnInvitations(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		f := partners.InvitationFilter{Status: partners.InvitationStatus(r.query("status")), Email: r.query("email")}
		page, err := a.Portal.ListOwnInvitations(ctx, f, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, func(inv partners.Invitation) invitationJSON { return a.invitationOut(inv, "") }), nil
	})
}

// ResendOwn handles POST /v1/partner/invitations/{id}/resend.
func (a *API) ResendOwn(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, a.resendEndpoint(a.Portal.ResendOwn))
}

// RevokeOwn handles POST /v1/partner/invitations/{id}/revoke.
func (a *API) RevokeOwn(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, a.revokeEndpoint(a.Portal.RevokeOwn))
}
