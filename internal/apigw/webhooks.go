package apigw

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// WebhookService is what the webhook endpoints' routes need from the domain.
type WebhookService interface {
	CreateEndpoint(ctx context.Context, in partners.WebhookEndpointInput) (partners.CreatedWebhookEndpoint, error)
	GetEndpoint(ctx context.Context, id string) (partners.WebhookEndpoint, error)
	ListEndpoints(ctx context.Context) ([]partners.WebhookEndpoint, error)
	UpdateEndpoint(ctx context.Context, id string, p partners.WebhookEndpointPatch) (partners.WebhookEndpoint, error)
	DeleteEndpoint(ctx context.Context, id string) error
	RotateSecret(ctx context.Context, id string) (partners.CreatedWebhookEndpoint, error)
	ListDeliveries(ctx context.Context, endpointID string, limit int, cursor string) (partners.Page[partners.WebhookDelivery], error)
	RetryDelivery(ctx context.Context, endpointID, deliveryID string) (partners.WebhookDelivery, error)
}

// endpointWithSecretJSON answers a create or a rotation: the only answers
// that ever hold a secret.
type endpointWithSecretJSON struct {
	resources.WebhookEndpoint
	Secret string `json:"secret"`
}

type createEndpointJSON struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description *string  `json:"description"`
}

type updateEndpointJSON struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Disabled    *bool     `json:"disabled"`
}

func (a *API) endpointOut(e partners.WebhookEndpoint) resources.WebhookEndpoint {
	return resources.WebhookEndpointOf(e, a.Clock.Now())
}

// CreateWebhookEndpoint handles POST /v1/webhook-endpoints.
func (a *API) CreateWebhookEndpoint(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in createEndpointJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		created, err := a.Webhooks.CreateEndpoint(ctx, partners.WebhookEndpointInput{URL: in.URL, Events: in.Events, Description: deref(in.Description)})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, endpointWithSecretJSON{a.endpointOut(created.Endpoint), created.Secret}, nil
	})
}

// ListWebhookEndpoints handles GET /v1/webhook-endpoints: every endpoint
// of the tenant (at most partners.MaxWebhookEndpoints), in one page.
func (a *API) ListWebhookEndpoints(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		list, err := a.Webhooks.ListEndpoints(ctx)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(partners.Page[partners.WebhookEndpoint]{Items: list}, a.endpointOut), nil
	})
}

// GetWebhookEndpoint handles GET /v1/webhook-endpoints/{id}.
func (a *API) GetWebhookEndpoint(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		ep, err := a.Webhooks.GetEndpoint(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.endpointOut(ep), nil
	})
}

// UpdateWebhookEndpoint handles PATCH /v1/webhook-endpoints/{id}.
func (a *API) UpdateWebhookEndpoint(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in updateEndpointJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		ep, err := a.Webhooks.UpdateEndpoint(ctx, r.pathParam("id"), partners.WebhookEndpointPatch{
			URL: in.URL, Events: in.Events, Description: in.Description, Disabled: in.Disabled,
		})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.endpointOut(ep), nil
	})
}

// DeleteWebhookEndpoint handles DELETE /v1/webhook-endpoints/{id}.
func (a *API) DeleteWebhookEndpoint(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		id := r.pathParam("id")
		if err := a.Webhooks.DeleteEndpoint(ctx, id); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"object": "webhook_endpoint", "id": id, "deleted": true}, nil
	})
}

// RotateWebhookSecret handles POST /v1/webhook-endpoints/{id}/rotate-secret.
func (a *API) RotateWebhookSecret(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		rotated, err := a.Webhooks.RotateSecret(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, endpointWithSecretJSON{a.endpointOut(rotated.Endpoint), rotated.Secret}, nil
	})
}

// ListWebhookDeliveries handles GET /v1/webhook-endpoints/{id}/deliveries.
func (a *API) ListWebhookDeliveries(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		page, err := a.Webhooks.ListDeliveries(ctx, r.pathParam("id"), limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, resources.WebhookDeliveryOf), nil
	})
}

// RetryWebhookDelivery handles POST
// /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry.
func (a *API) RetryWebhookDelivery(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		d, err := a.Webhooks.RetryDelivery(ctx, r.pathParam("id"), r.pathParam("delivery_id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusAccepted, resources.WebhookDeliveryOf(d), nil
	})
}
