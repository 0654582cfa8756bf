package apigw

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// GrantService is what PUT /v1/partners/{id}/grants needs from the domain.
type GrantService interface {
	SetGrants(ctx context.Context, partnerID string, gs []partners.Grant) (partners.Partner, error)
}

// grantJSON is one grant as a request sends it.
type grantJSON struct {
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	Permission   string `json:"permission"`
}

func grantsIn(gs []grantJSON) []partners.Grant {
	if gs == nil {
		return nil
	}
	out := make([]partners.Grant, 0, len(gs))
	for _, g := range gs {
		out = append(out, partners.Grant{ResourceType: g.ResourceType, ResourceID: g.ResourceID, Permission: g.Permission})
	}
	return out
}

// setGrantsJSON is the body of PUT /v1/partners/{id}/grants.
type setGrantsJSON struct {
	Grants *[]grantJSON `json:"grants"`
}

// SetGrants handles PUT /v1/partners/{id}/grants: the partner's grants are
// replaced by the list sent (an empty list shares nothing).
func (a *API) SetGrants(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in setGrantsJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		if in.Grants == nil {
			return 0, nil, partners.InvalidField("grants", "required", "grants is required (an empty list shares nothing).")
		}
		p, err := a.Grants.SetGrants(ctx, r.pathParam("id"), grantsIn(*in.Grants))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, partnerOut(p), nil
	})
}
