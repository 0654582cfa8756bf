package apigw

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/pages"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ResetService is what the password reset routes need.
type ResetService interface {
	ViewForgotPassword(ctx context.Context, tenantID string) (partners.ForgotPasswordView, error)
	RequestPasswordReset(ctx context.Context, tenantID, email string) (partners.ForgotPasswordView, error)
	ViewPasswordReset(ctx context.Context, token string) (partners.ResetView, error)
	ResetPassword(ctx context.Context, token, password string) (partners.ResetOutcome, error)
}

// resetCSRFFor is the reset form's CSRF token: bound to the link, as the
// activation form's is, and apart from it.
func (a *API) resetCSRFFor(token string) string {
	return a.CSRF.Sum("reset\x00" + partners.HashToken(token))
}

// servePage runs a page route: it logs the route key (never the path,
// which may hold a token), and drops the body of a HEAD.
func (a *API) servePage(e events.APIGatewayV2HTTPRequest, serve func(log *slog.Logger) pages.Page) events.APIGatewayV2HTTPResponse {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	page := serve(log)
	resp := events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}
	if e.RequestContext.HTTP.Method == http.MethodHead {
		resp.Body = ""
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp
}

// ForgotPassword handles GET, HEAD and POST /forgot-password/{tenant_id}:
// a tenant's "forgot your password?" page and its form. The POST answers
// with the same page for every well-formed address — with a login at the
// tenant or not, over a limit or not — since the decision is the email
// sender's, later.
func (a *API) ForgotPassword(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	tenantID := e.PathParameters["tenant_id"]
	return a.servePage(e, func(log *slog.Logger) pages.Page {
		if e.RequestContext.HTTP.Method != http.MethodPost {
			v, err := a.Resets.ViewForgotPassword(ctx, tenantID)
			switch {
			case partners.IsKind(err, partners.NotFound):
				return pages.UnknownPage()
			case err != nil:
				log.Error("forgot password page failed", "err", err)
				return pages.Failure()
			}
			return pages.ForgotPassword(v, "", "")
		}
		email := formOf(e).Get("email")
		v, err := a.Resets.RequestPasswordReset(ctx, tenantID, email)
		var pe *partners.Error
		switch {
		case err == nil:
			return pages.ForgotPasswordSent(v)
		case partners.IsKind(err, partners.NotFound):
			return pages.UnknownPage()
		case errors.As(err, &pe) && pe.Kind == partners.Invalid:
			return pages.ForgotPassword(v, email, "Enter a valid email address.").WithStatus(http.StatusBadRequest)
		}
		log.Error("password reset request failed", "err", err)
		return pages.ForgotPassword(v, email, "Something went wrong on our side. Please try again.").WithStatus(http.StatusServiceUnavailable)
	}), nil
}

// ResetPasswordPage handles GET, HEAD and POST /reset-password/{token}: a
// reset link's page (which changes nothing: mail scanners open links) and
// its form, which needs the page's CSRF token, bound to the link.
func (a *API) ResetPasswordPage(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	token := e.PathParameters["token"]
	return a.servePage(e, func(log *slog.Logger) pages.Page {
		v, err := a.Resets.ViewPasswordReset(ctx, token)
		switch {
		case partners.IsKind(err, partners.NotFound):
			return pages.UnknownPage()
		case err != nil:
			log.Error("reset page failed", "err", err)
			return pages.Failure()
		case v.Dead != "":
			return pages.ResetDead(v)
		case e.RequestContext.HTTP.Method != http.MethodPost:
			return pages.ResetForm(v, a.resetCSRFFor(token), "", partners.DefaultPasswordPolicy)
		}
		return a.resetPassword(ctx, log, v, token, formOf(e))
	}), nil
}

func (a *API) resetPassword(ctx context.Context, log *slog.Logger, v partners.ResetView, token string, form url.Values) pages.Page {
	again := func(status int, msg string) pages.Page {
		return pages.ResetForm(v, a.resetCSRFFor(token), msg, partners.DefaultPasswordPolicy).WithStatus(status)
	}
	if !a.CSRF.Verify("reset\x00"+partners.HashToken(token), form.Get("csrf")) {
		log.Info("reset: bad CSRF token")
		return again(http.StatusForbidden, "This form has expired. Please enter your new password again.")
	}
	if form.Get("password") != form.Get("password_confirm") {
		return again(http.StatusBadRequest, "The two passwords are not the same.")
	}
	out, err := a.Resets.ResetPassword(ctx, token, form.Get("password"))
	var pe *partners.Error
	switch {
	case err == nil:
		log.Info("password reset", "tenant_id", v.TenantID, "signed_out", out.SignedOut)
		return pages.ResetDone(out.View, out.SignedOut)
	case errors.As(err, &pe) && pe.Kind == partners.Invalid:
		msg := pe.Message
		if len(pe.Fields) > 0 {
			msg = pe.Fields[0].Message
		}
		return again(http.StatusBadRequest, msg)
	case errors.As(err, &pe) && pe.Kind == partners.Gone:
		out.View.Dead, _ = pe.Details["reason"].(string)
		return pages.ResetDead(out.View)
	case partners.IsKind(err, partners.NotFound):
		return pages.UnknownPage()
	case partners.IsKind(err, partners.Conflict):
		return again(http.StatusConflict, "This link is being used right now. Please try again in a minute.")
	}
	log.Error("reset failed", "tenant_id", v.TenantID, "err", err)
	return again(http.StatusServiceUnavailable, "Something went wrong on our side. Please try again.")
}
