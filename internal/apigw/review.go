package apigw

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

type rejectJSON struct {
	Reason string `json:"reason"`
}

// ReviewPartner handles POST /v1/partners/{id}/approve and /reject: the
// tenant's decision on a partner that submitted its form (or has yet to).
func (a *API) ReviewPartner(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		if strings.HasSuffix(e.RouteKey, "/approve") {
			if len(strings.TrimSpace(string(r.body))) > 0 {
				var none struct{}
				if err := r.decodeJSON(&none); err != nil {
					return 0, nil, err
				}
			}
			p, err := a.Partners.ApprovePartner(ctx, r.pathParam("id"))
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, partnerOut(p), nil
		}
		var in rejectJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		p, err := a.Partners.RejectPartner(ctx, r.pathParam("id"), in.Reason)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, partnerOut(p), nil
	})
}
