package apigw

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

type userPatchJSON struct {
	PortalAccess *bool   `json:"portal_access"`
	Role         *string `json:"role"`
}

// UpdatePartnerUser handles PATCH /v1/partners/{id}/users/{uid}: portal
// access off or on, and the role.
func (a *API) UpdatePartnerUser(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in userPatchJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		// A merge patch's null removes a field; a user always has a role.
		if sentNull(r.body, "role") {
			return 0, nil, refuseNull("role")
		}
		u, err := a.Invitations.UpdateUser(ctx, r.pathParam("id"), r.pathParam("uid"), partners.UserPatch{PortalAccess: in.PortalAccess, Role: in.Role})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, userOut(u), nil
	})
}

// RemovePartnerUser handles DELETE /v1/partners/{id}/users/{uid}.
func (a *API) RemovePartnerUser(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		u, err := a.Invitations.RemoveUser(ctx, r.pathParam("id"), r.pathParam("uid"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, userOut(u), nil
	})
}

type moveJSON struct {
	PartnerID string `json:"partner_id"`
}

// MovePartnerUser handles POST /v1/partners/{id}/users/{uid}/move.
func (a *API) MovePartnerUser(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in moveJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		if in.PartnerID == "" {
			return 0, nil, partners.InvalidField("partner_id", "required", "partner_id is required.")
		}
		u, err := a.Invitations.MoveUser(ctx, r.pathParam("id"), r.pathParam("uid"), in.PartnerID)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, userOut(u), nil
	})
}
