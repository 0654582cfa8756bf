package apigw

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/pages"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// FormSessionTTL is how long a shown partner form can be posted: the person
// proved who they are (by activating, or signing in) when it was shown.
const FormSessionTTL = time.Hour

// formSession is the MAC a form page carries: bound to the (used) link,
// which names the person, and to its expiry.
func (a *API) formSession(token string, expires time.Time) pages.FormSession {
	return pages.FormSession{MAC: a.CSRF.Sum(formSessionMessage(token, expires.Unix())), Expires: expires}
}

func formSessionMessage(token string, expires int64) string {
	return "partner-form\x00" + partners.HashToken(token) + "\x00" + strconv.FormatInt(expires, 10)
}

// validFormSession reports whether a posted session is this link's and
// still open.
func (a *API) validFormSession(token string, form url.Values) bool {
	expires, err := strconv.ParseInt(form.Get("session_expires"), 10, 64)
	if err != nil || !a.Clock.Now().Before(time.Unix(expires, 0)) {
		return false
	}
	return a.CSRF.Verify(formSessionMessage(token, expires), form.Get("session"))
}

// PartnerFormPage handles POST /activate/{token}/form: the way back to
// the partner form after the link was used. With no password it asks for
// one; with the right password it shows the form; with a valid session it
// submits the answers.
func (a *API) PartnerFormPage(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	token := e.PathParameters["token"]
	form := formOf(e)
	var page pages.Page
	if form.Get("session") != "" {
		page = a.submitForm(ctx, log, token, form)
	} else {
		page = a.formSignIn(ctx, log, token, form)
	}
	log.Info("request", "status", page.Status, "duration_ms", time.Since(start).Milliseconds())
	return events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}, nil
}

// formSignIn asks for the password, checks it, and shows the form.
func (a *API) formSignIn(ctx context.Context, log *slog.Logger, token string, form url.Values) pages.Page {
	password := form.Get("password")
	view, ref, err := a.Activations.FormSignIn(ctx, token, password)
	var pe *partners.Error
	switch {
	case err == nil:
		return a.formOrState(ctx, log, token, "form", ref)
	case partners.IsKind(err, partners.NotFound) && view.Invitation.ID == "":
		return pages.Unknown()
	case partners.IsKind(err, partners.NotFound):
		return pages.Dead(view, a.csrfFor(token))
	case errors.As(err, &pe) && pe.Kind == partners.Gone:
		view.Dead, _ = pe.Details["reason"].(string)
		return pages.Dead(view, a.csrfFor(token))
	case errors.As(err, &pe) && pe.Kind == partners.Invalid:
		if password == "" {
			return pages.FormSignIn(view, "form", "")
		}
		return pages.FormSignIn(view, "form", pe.Fields[0].Message)
	case errors.As(err, &pe) && pe.Kind == partners.RateLimited:
		return pages.FormSignIn(view, "form", pe.Message).WithStatus(http.StatusTooManyRequests)
	}
	log.Error("partner form sign-in failed", "err", err)
	return pages.Failure()
}

// formOrState shows the partner form to a partner admin of a partner that
// has yet to submit it, and otherwise where its onboarding stands.
func (a *API) formOrState(ctx context.Context, log *slog.Logger, token, action string, ref partners.PartnerUserRef) pages.Page {
	v, err := a.Activations.PartnerForm(ctx, ref)
	if err != nil {
		log.Error("partner form failed", "err", err)
		return pages.Failure()
	}
	if v.Partner.OnboardingStatus != partners.OnboardingPending || !v.IsAdmin() {
		return pages.FormState(v)
	}
	return pages.PartnerForm(v, action, a.formSession(token, a.Clock.Now().Add(FormSessionTTL)), nil, nil, "")
}

// submitForm stores the posted answers, or shows the form again with what
// is wrong.
func (a *API) submitForm(ctx context.Context, log *slog.Logger, token string, form url.Values) pages.Page {
	view, err := a.Activations.ViewLink(ctx, token)
	switch {
	case partners.IsKind(err, partners.NotFound):
		return pages.Unknown()
	case err != nil:
		log.Error("partner form: view failed", "err", err)
		return pages.Failure()
	case view.Dead != "accepted":
		return pages.Dead(view, a.csrfFor(token))
	}
	inv := view.Invitation
	ref := partners.PartnerUserRef{TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: inv.UserID}
	if !a.validFormSession(token, form) {
		log.Info("partner form: stale session")
		return pages.FormSignIn(view, "form", "This form has expired. Please sign in again.").WithStatus(http.StatusForbidden)
	}
	answers := partners.FormInput{}
	for name, values := range form {
		if key, ok := strings.CutPrefix(name, "answers."); ok {
			answers[key] = values
		}
	}
	_, err = a.Activations.SubmitPartnerForm(ctx, ref, answers)
	var pe *partners.Error
	switch {
	case err == nil:
		log.Info("partner form submitted", "tenant_id", inv.TenantID, "partner_id", inv.PartnerID)
		return a.formOrState(ctx, log, token, "form", ref)
	case errors.As(err, &pe) && pe.Kind == partners.Invalid:
		v, verr := a.Activations.PartnerForm(ctx, ref)
		if verr != nil {
			log.Error("partner form failed", "err", verr)
			return pages.Failure()
		}
		problems := map[string]string{}
		for _, f := range pe.Fields {
			problems[f.Field] = f.Message
		}
		return pages.PartnerForm(v, "form", a.formSession(token, a.Clock.Now().Add(FormSessionTTL)), answers, problems, "Some answers need another look.")
	case errors.As(err, &pe) && (pe.Kind == partners.Conflict || pe.Kind == partners.Forbidden):
		return a.formOrState(ctx, log, token, "form", ref)
	case partners.IsKind(err, partners.NotFound):
		return pages.Unknown()
	}
	log.Error("partner form submit failed", "err", err)
	return pages.Failure()
}
