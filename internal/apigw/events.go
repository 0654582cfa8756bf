package apigw

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// EventService is what the audit trail needs from the domain.
type EventService interface {
	ListEvents(ctx context.Context, f partners.EventFilter, limit int, cursor string) (partners.Page[partners.Event], error)
}

// ListEvents handles GET /v1/events: the tenant's events, newest first.
func (a *API) ListEvents(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		f := partners.EventFilter{
			Type: partners.EventType(r.query("type")), PartnerID: r.query("partner_id"), SubjectID: r.query("subject_id"),
		}
		if f.From, err = r.queryTime("from"); err != nil {
			return 0, nil, err
		}
		if f.To, err = r.queryTime("to"); err != nil {
			return 0, nil, err
		}
		page, err := a.Events.ListEvents(ctx, f, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, resources.EventOf), nil
	})
}

// queryTime reads an RFC 3339 time parameter; zero when absent.
func (r *request) queryTime(name string) (time.Time, error) {
	v := r.query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, partners.InvalidField(name, "invalid_time", name+" must be a time in RFC 3339, such as 2026-12-01T09:30:00Z.")
	}
	return t, nil
}
