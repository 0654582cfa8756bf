package apigw

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/partnerinvites/partnerinvites/internal/pages"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ActivationService is what the activation routes need.
type ActivationService interface {
	ViewActivation(ctx context.Context, token string) (partners.ActivationView, error)
	Accept(ctx context.Context, in partners.AcceptInput) (partners.Acceptance, error)
	RequestRenewal(ctx context.Context, token string) (partners.ActivationView, partners.RenewalOutcome, error)
	Decline(ctx context.Context, token string) (partners.ActivationView, error)
	ViewLink(ctx context.Context, token string) (partners.ActivationView, error)
	ListMemberships(ctx context.Context, sub string) (partners.LoginMemberships, error)
	Identity(ctx context.Context) (partners.LoginPool, error)
	PartnerForm(ctx context.Context, by partners.PartnerUserRef) (partners.PartnerFormView, error)
	SubmitPartnerForm(ctx context.Context, by partners.PartnerUserRef, in partners.FormInput) (partners.Partner, error)
	FormSignIn(ctx context.Context, token, password string) (partners.ActivationView, partners.PartnerUserRef, error)
}

// csrfFor is the form's CSRF token: bound to the link, so that a form can
// only be posted back to the page that served it.
func (a *API) csrfFor(token string) string {
	return a.CSRF.Sum("activate\x00" + partners.HashToken(token))
}

// ActivationPage handles GET and HEAD /activate/{token}: the page a partner
// sees when opening the link in an invitation. It never changes anything —
// mail scanners open links before people do — and it never logs the token
// (the route key is logged, not the path).
func (a *API) ActivationPage(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("lambda_request_id", lc.AwsRequestID)
	}
	view, err := a.Activations.ViewActivation(ctx, e.PathParameters["token"])
	var page pages.Page
	switch {
	case partners.IsKind(err, partners.NotFound):
		page = pages.Unknown()
	case err != nil:
		log.Error("activation page failed", "err", err)
		page = pages.Failure()
	case view.Dead != "":
		log = log.With("tenant_id", view.Invitation.TenantID, "invitation_id", view.Invitation.ID, "dead", view.Dead)
		page = pages.Dead(view, a.csrfFor(e.PathParameters["token"]))
	default:
		log = log.With("tenant_id", view.Invitation.TenantID, "invitation_id", view.Invitation.ID)
		page = pages.Activation(view, "", a.csrfFor(e.PathParameters["token"]), "", partners.DefaultPasswordPolicy, a.Clock.Now())
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}
	if e.RequestContext.HTTP.Method == http.MethodHead {
		resp.Body = ""
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp, nil
}

// AcceptActivation handles POST /activate/{token}: the page's form. It
// checks the form's CSRF token, accepts, and answers with a page: the
// success page, the form again with what is wrong, or the page of a dead
// link (a second submit of the same link sees "already accepted").
func (a *API) AcceptActivation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	token := e.PathParameters["token"]
	page := a.accept(ctx, log, token, e)
	log.Info("request", "status", page.Status, "duration_ms", time.Since(start).Milliseconds())
	return events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}, nil
}

func (a *API) accept(ctx context.Context, log *slog.Logger, token string, e events.APIGatewayV2HTTPRequest) pages.Page {
	form := formOf(e)
	view, err := a.Activations.ViewActivation(ctx, token)
	switch {
	case partners.IsKind(err, partners.NotFound):
		return pages.Unknown()
	case err != nil:
		log.Error("accept: view failed", "err", err)
		return pages.Failure()
	case view.Dead != "":
		return pages.Dead(view, a.csrfFor(token))
	}
	now := a.Clock.Now()
	again := func(status int, msg string) pages.Page {
		view.FirstName, view.LastName = form.Get("first_name"), form.Get("last_name")
		return pages.Activation(view, "", a.csrfFor(token), msg, partners.DefaultPasswordPolicy, now).WithStatus(status)
	}
	if !a.CSRF.Verify("activate\x00"+partners.HashToken(token), form.Get("csrf")) {
		log.Info("accept: bad CSRF token")
		return again(http.StatusForbidden, "This form has expired. Please enter your password again.")
	}
	if confirm := form.Get("password_confirm"); !view.HasLogin && confirm != form.Get("password") {
		return again(http.StatusBadRequest, "The two passwords are not the same.")
	}
	acc, err := a.Activations.Accept(ctx, partners.AcceptInput{
		Token: token, Password: form.Get("password"), FirstName: form.Get("first_name"), LastName: form.Get("last_name"),
	})
	var pe *partners.Error
	switch {
	case err == nil:
		log.Info("accepted", "tenant_id", acc.Invitation.TenantID, "invitation_id", acc.Invitation.ID, "new_login", acc.NewLogin)
		if view.FormPending {
			// An invited partner's admin goes on to the partner form.
			m := acc.Membership
			return a.formOrState(ctx, log, token, token+"/form", partners.PartnerUserRef{TenantID: m.TenantID, PartnerID: m.PartnerID, UserID: m.UserID})
		}
		return pages.Accepted(view, acc.RedirectURL)
	case errors.As(err, &pe) && pe.Kind == partners.Invalid:
		msg := pe.Message
		if len(pe.Fields) > 0 {
			msg = pe.Fields[0].Message
		}
		return again(http.StatusBadRequest, msg)
	case errors.As(err, &pe) && pe.Kind == partners.RateLimited:
		page := again(http.StatusTooManyRequests, pe.Message)
		if ra, ok := pe.Details["retry_after"].(int); ok {
			page.Headers["Retry-After"] = strconv.Itoa(ra)
		}
		return page
	case errors.As(err, &pe) && pe.Kind == partners.Gone:
		view.Dead, _ = pe.Details["reason"].(string)
		return pages.Dead(view, a.csrfFor(token))
	case partners.IsKind(err, partners.NotFound):
		return pages.Unknown()
	case partners.IsKind(err, partners.Conflict):
		return again(http.StatusConflict, "The invitation changed while you were on this page. Please try again.")
	}
	log.Error("accept failed", "err", err)
	// Nothing is lost: every step converges, so the same form may be sent again.
	return again(http.StatusServiceUnavailable, "Something went wrong on our side. Please try again.")
}

type activationJSON struct {
	Token     string `json:"token"`
	Password  string `json:"password"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

type acceptedJSON struct {
	Object       string    `json:"object"`
	InvitationID string    `json:"invitation_id"`
	TenantID     string    `json:"tenant_id"`
	PartnerID    string    `json:"partner_id"`
	UserID       string    `json:"user_id"`
	Sub          string    `json:"sub"`
	Role         string    `json:"role"`
	NewLogin     bool      `json:"new_login"`
	RedirectURL  *string   `json:"redirect_url"`
	Login        loginJSON `json:"login"`
}

// loginJSON tells a tenant's portal how the person signs in: with this
// username, in this pool, through this app client; their ID token's iss is
// the issuer.
type loginJSON struct {
	UserPoolID string `json:"user_pool_id"`
	ClientID   string `json:"client_id"`
	Username   string `json:"username"`
	Issuer     string `json:"issuer"`
}

func loginOut(l partners.LoginRef) loginJSON {
	return loginJSON{UserPoolID: l.Pool.ID, ClientID: l.Pool.ClientID, Username: l.Username, Issuer: l.Pool.Issuer}
}

// CreateActivation handles POST /v1/activations: the same acceptance as
// the page, as JSON, for tenants who host their own page. The token is the
// credential; errors are problem+json.
func (a *API) CreateActivation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	r := &request{event: e, body: []byte(e.Body)}
	if e.IsBase64Encoded {
		r.body, _ = base64.StdEncoding.DecodeString(e.Body)
	}
	var resp events.APIGatewayV2HTTPResponse
	var in activationJSON
	err := r.decodeJSON(&in)
	if err == nil && in.Token == "" {
		err = partners.InvalidField("token", "required", "token is required.")
	}
	var acc partners.Acceptance
	if err == nil {
		acc, err = a.Activations.Accept(ctx, partners.AcceptInput{Token: in.Token, Password: in.Password, FirstName: in.FirstName, LastName: in.LastName})
	}
	if err != nil {
		e.RawPath = "/v1/activations"
		resp = a.fail(log, e, err)
	} else {
		m := acc.Membership
		resp = jsonResponse(http.StatusOK, acceptedJSON{
			Object: "activation", InvitationID: acc.Invitation.ID, TenantID: m.TenantID, PartnerID: m.PartnerID,
			UserID: m.UserID, Sub: m.Sub, Role: m.Role, NewLogin: acc.NewLogin, RedirectURL: nullable(acc.RedirectURL),
			Login: loginOut(acc.Login),
		})
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp, nil
}

type membershipJSON struct {
	Object    string `json:"object"`
	Sub       string `json:"sub"`
	PartnerID string `json:"partner_id"`
	UserID    string `json:"user_id"`
	Role      string `json:"role"`
	// Status is active, or disabled when the tenant turned the user's
	// portal access off.
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

type membershipsJSON struct {
	listJSON[membershipJSON]
	Login loginJSON `json:"login"`
}

// ListMemberships handles GET /v1/memberships/{sub}: what a login may reach
// in the caller's tenant, and how it signs in.
func (a *API) ListMemberships(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		lm, err := a.Activations.ListMemberships(ctx, r.pathParam("sub"))
		if err != nil {
			return 0, nil, err
		}
		out := membershipsJSON{listJSON: listJSON[membershipJSON]{Object: "list", Data: []membershipJSON{}}, Login: loginOut(lm.Login)}
		for _, m := range lm.Memberships {
			out.Data = append(out.Data, membershipJSON{Object: "membership", Sub: m.Sub, PartnerID: m.PartnerID, UserID: m.UserID, Role: m.Role, Status: membershipStatus(m), CreatedAt: m.CreatedAt})
		}
		return http.StatusOK, out, nil
	})
}

type identityJSON struct {
	Object     string   `json:"object"`
	UserPoolID string   `json:"user_pool_id"`
	ClientID   string   `json:"client_id"`
	Issuer     string   `json:"issuer"`
	JWKSURL    string   `json:"jwks_url"`
	AuthFlows  []string `json:"auth_flows"`
}

// GetIdentity handles GET /v1/identity: the tenant's own login pool, which
// its portal signs partners in with and verifies their ID tokens against.
func (a *API) GetIdentity(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		pool, err := a.Activations.Identity(ctx)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, identityJSON{
			Object: "identity", UserPoolID: pool.ID, ClientID: pool.ClientID, Issuer: pool.Issuer, JWKSURL: pool.JWKSURL(),
			AuthFlows: partners.PortalAuthFlows,
		}, nil
	})
}

// RenewActivation handles POST /activate/{token}/renew: the "send me a new
// link" button of an expired link's page.
func (a *API) RenewActivation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	token := e.PathParameters["token"]
	form := formOf(e)
	var page pages.Page
	if !a.CSRF.Verify("activate\x00"+partners.HashToken(token), form.Get("csrf")) {
		page = pages.Unknown().WithStatus(http.StatusForbidden)
	} else {
		view, outcome, err := a.Activations.RequestRenewal(ctx, token)
		var pe *partners.Error
		switch {
		case err == nil:
			log.Info("renewal requested", "tenant_id", view.Invitation.TenantID, "invitation_id", view.Invitation.ID, "outcome", outcome)
			page = pages.Renewal(view, string(outcome))
		case errors.As(err, &pe) && pe.Kind == partners.RateLimited:
			page = pages.Renewal(view, "rate_limited").WithStatus(http.StatusTooManyRequests)
		case partners.IsKind(err, partners.NotFound):
			page = pages.Unknown()
		case partners.IsKind(err, partners.Conflict):
			page = pages.Dead(view, a.csrfFor(token))
		default:
			log.Error("renewal failed", "err", err)
			page = pages.Failure()
		}
	}
	log.Info("request", "status", page.Status, "duration_ms", time.Since(start).Milliseconds())
	return events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}, nil
}

// DeclineActivation handles GET and POST /activate/{token}/decline: "This
// isn't for me". GET (and HEAD) shows what declining means with a button
// and changes nothing — the email links here, and mail scanners open
// links; POST, with the page's CSRF token, declines.
func (a *API) DeclineActivation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	token := e.PathParameters["token"]
	var page pages.Page
	if e.RequestContext.HTTP.Method != http.MethodPost {
		view, err := a.Activations.ViewLink(ctx, token)
		switch {
		case partners.IsKind(err, partners.NotFound):
			page = pages.Unknown()
		case err != nil:
			log.Error("decline page failed", "err", err)
			page = pages.Failure()
		case view.Dead != "":
			page = pages.Dead(view, a.csrfFor(token))
		default:
			page = pages.DeclineConfirm(view, a.csrfFor(token))
		}
	} else {
		page = a.decline(ctx, log, token, e)
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}
	if e.RequestContext.HTTP.Method == http.MethodHead {
		resp.Body = ""
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp, nil
}

func (a *API) decline(ctx context.Context, log *slog.Logger, token string, e events.APIGatewayV2HTTPRequest) pages.Page {
	form := formOf(e)
	if !a.CSRF.Verify("activate\x00"+partners.HashToken(token), form.Get("csrf")) {
		log.Info("decline: bad CSRF token")
		return pages.Unknown().WithStatus(http.StatusForbidden)
	}
	view, err := a.Activations.Decline(ctx, token)
	var pe *partners.Error
	switch {
	case err == nil:
		log.Info("declined", "tenant_id", view.Invitation.TenantID, "invitation_id", view.Invitation.ID)
		return pages.Declined(view)
	case errors.As(err, &pe) && pe.Kind == partners.Gone:
		view.Dead, _ = pe.Details["reason"].(string)
		return pages.Dead(view, a.csrfFor(token))
	case partners.IsKind(err, partners.NotFound):
		return pages.Unknown()
	default:
		log.Error("decline failed", "err", err)
		return pages.Failure()
	}
}

func membershipStatus(m partners.Membership) string {
	if m.Active() {
		return string(partners.MembershipActive)
	}
	return string(partners.MembershipDisabled)
}
