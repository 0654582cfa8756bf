package apigw

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/partnerinvites/partnerinvites/internal/pages"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ActivationService is what the public activation routes need.
type ActivationService interface {
	ViewActivation(ctx context.Context, token string) (partners.ActivationView, error)
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
		page = pages.Dead(view)
	default:
		log = log.With("tenant_id", view.Invitation.TenantID, "invitation_id", view.Invitation.ID)
		page = pages.Activation(view, "", "", "", partners.DefaultPasswordPolicy, a.Clock.Now())
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: page.Status, Headers: page.Headers, Body: page.Body}
	if e.RequestContext.HTTP.Method == http.MethodHead {
		resp.Body = ""
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp, nil
}
