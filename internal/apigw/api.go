package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/partnerinvites/partnerinvites/internal/idempotency"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// PartnerService is what the partner endpoints need from the domain.
type PartnerService interface {
	CreatePartner(ctx context.Context, in partners.PartnerInput) (partners.CreatedPartner, error)
	GetPartnerDetail(ctx context.Context, id string) (partners.Partner, partners.PartnerCounts, error)
	UpdatePartner(ctx context.Context, id string, patch partners.PartnerPatch) (partners.CreatedPartner, error)
	ListPartners(ctx context.Context, f partners.PartnerFilter, limit int, cursor string) (partners.Page[partners.Partner], error)
	ApprovePartner(ctx context.Context, id string) (partners.Partner, error)
	RejectPartner(ctx context.Context, id, reason string) (partners.Partner, error)
}

// API holds the Lambda handlers of the tenant routes.
type API struct {
	Partners    PartnerService
	Invitations InvitationService
	Activations ActivationService
	Events      EventService
	Webhooks    WebhookService
	Grants      GrantService
	// Portal serves the partner routes, whose callers PartnerAuth
	// authenticates by their ID tokens.
	Portal      PartnerPortal
	PartnerAuth PartnerAuthenticator
	Resets      ResetService
	// CSRF signs the activation form's CSRF tokens.
	CSRF        *seal.MAC
	Idempotency *idempotency.Guard
	// Rate counts each tenant's requests, so that no tenant can use up the
	// stage's throttle for all; nil turns the limit off.
	Rate RateCounter
	// RateLimit is the requests a tenant may make per second (default 50).
	RateLimit int
	Clock     partners.Clock
	Log       *slog.Logger
}

// RateCounter counts a tenant's requests in one-second windows.
type RateCounter interface {
	// AllowRequest counts one request in the second that starts at second
	// and reports whether it is within limit.
	AllowRequest(ctx context.Context, tenantID string, second time.Time, limit int) (bool, error)
}

// DefaultRateLimit is a tenant's requests per second: half the stage's
// steady rate, so that one tenant alone cannot exhaust it.
const DefaultRateLimit = 50

// errTenantRate refuses a request over the tenant's rate.
func errTenantRate() error {
	return &partners.Error{Kind: partners.RateLimited,
		Message: "Too many requests from your tenant; slow down.", Details: map[string]any{"code": "tenant_rate", "retry_after": 1}}
}

// admit counts the request against its tenant's rate, in the background:
// the request goes on meanwhile, and its first write waits for the answer
// (partners.Admission says why). A counter that does not answer lets the
// request through: the stage's throttle still bounds everything, and an
// outage of the counter must not be one of the API.
func (a *API) admit(ctx context.Context, log *slog.Logger, tenantID string) *partners.Admission {
	return partners.NewAdmission(ctx, func(ctx context.Context) error {
		if a.Rate == nil {
			return nil
		}
		limit := a.RateLimit
		if limit == 0 {
			limit = DefaultRateLimit
		}
		ok, err := a.Rate.AllowRequest(ctx, tenantID, a.Clock.Now().Truncate(time.Second), limit)
		if err != nil {
			log.Warn("rate counter failed; request let through", "err", err)
			return nil
		}
		if !ok {
			return errTenantRate()
		}
		return nil
	})
}

// runAdmitted runs a request beside its admission: its writes wait for it
// (through ctx), and a request refused after it read what it needed answers
// 429 all the same.
func (a *API) runAdmitted(ctx context.Context, log *slog.Logger, e events.APIGatewayV2HTTPRequest, adm *partners.Admission, run func(context.Context) events.APIGatewayV2HTTPResponse) events.APIGatewayV2HTTPResponse {
	resp := run(partners.WithAdmission(ctx, adm))
	if err := adm.Wait(ctx); err != nil && resp.StatusCode != http.StatusTooManyRequests {
		return a.fail(log, e, err)
	}
	return resp
}

// maxJSONBody bounds JSON request bodies; CSV uploads have their own limit.
const maxJSONBody = 1 << 20

// request is what an endpoint sees of an API Gateway event.
type request struct {
	event events.APIGatewayV2HTTPRequest
	body  []byte
}

func (r *request) header(name string) string { return headerOf(r.event, name) }

// headerOf is one header of a request, by any case of its name.
func headerOf(e events.APIGatewayV2HTTPRequest, name string) string {
	// API Gateway lower-cases header names in payload 2.0; local callers may not.
	if v, ok := e.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range e.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (r *request) pathParam(name string) string { return r.event.PathParameters[name] }

func (r *request) query(name string) string { return r.event.QueryStringParameters[name] }

// queryBool parses an optional boolean query parameter.
func (r *request) queryBool(name string, fallback bool) (bool, error) {
	switch r.query(name) {
	case "":
		return fallback, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, partners.InvalidField(name, "not_a_boolean", name+" must be true or false.")
}

// queryInt parses an optional integer query parameter; 0 when absent.
func (r *request) queryInt(name string) (int, error) {
	s := r.query(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, partners.InvalidField(name, "not_an_integer", name+" must be an integer.")
	}
	return n, nil
}

// decodeJSON decodes the body, a JSON object, into v, strictly: unknown
// fields, trailing data and wrong types are errors that name the field. A
// body must say it is JSON: one without a Content-Type is refused (415)
// like one of another type, as the contract and docs/api.md say, rather
// than guessed at.
func (r *request) decodeJSON(v any) error {
	mt, _, err := mime.ParseMediaType(r.header("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return partners.Errorf(partners.Unsupported, "Send the body as application/json.")
	}
	trimmed := bytes.TrimSpace(r.body)
	if len(trimmed) == 0 {
		return partners.Errorf(partners.Invalid, "The request body is empty; send a JSON object.")
	}
	// encoding/json decodes null into a struct as no change at all, and so
	// would take `null` for `{}`.
	if trimmed[0] != '{' {
		return partners.Errorf(partners.Invalid, "The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return partners.Errorf(partners.Invalid, "The request body has data after the JSON object.")
	}
	if field := nullForValue(trimmed, v); field != "" {
		return refuseNull(field)
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return partners.Errorf(partners.Invalid, "The request body must be a JSON object.")
		}
		return partners.InvalidField(field, "wrong_type", fmt.Sprintf("%s must be %s.", field, jsonTypeName(typeErr.Type.Kind().String())))
	case errors.As(err, &syntaxErr):
		return partners.Errorf(partners.Invalid, "The request body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return partners.InvalidField(field, "unknown_field", field+" is not a field of this request.")
	}
	return partners.Errorf(partners.Invalid, "The request body is not valid JSON.")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	default:
		return "a number"
	}
}

// endpoint is one route's logic: decode, call the service, encode.
type endpoint func(ctx context.Context, r *request) (status int, body any, err error)

// serveTenant runs an endpoint of an AuthAPIKey route: it logs the request,
// takes the caller from the authorizer's context, applies the
// Idempotency-Key of a POST, and maps every failure to problem+json. The
// error it returns is always nil: an expected failure is a response.
func (a *API) serveTenant(ctx context.Context, e events.APIGatewayV2HTTPRequest, ep endpoint) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenantLimit(ctx, e, maxJSONBody, ep)
}

// serveTenantLimit is serveTenant with its own bound on the body's size.
func (a *API) serveTenantLimit(ctx context.Context, e events.APIGatewayV2HTTPRequest, maxBody int, ep endpoint) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := a.Log.With("request_id", e.RequestContext.RequestID, "route", e.RouteKey)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("lambda_request_id", lc.AwsRequestID)
	}
	caller, err := principalFrom(e)
	if err != nil {
		resp := a.fail(log, e, err)
		log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
		return resp, nil
	}
	log = log.With("tenant_id", caller.TenantID, "key_id", caller.KeyID)
	// The role is checked first: a key that may not take this route gets
	// nothing, not even the replay of another key's stored response.
	if route, ok := routeByKey(e.RouteKey); ok && route.Permission != "" && !caller.Role.Can(route.Permission) {
		resp := a.fail(log, e, partners.Errorf(partners.Forbidden, "An API key with the %s role cannot do this.", caller.Role))
		log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
		return resp, nil
	}
	adm := a.admit(ctx, log, caller.TenantID)
	ctx = partners.WithLog(partners.WithPrincipal(ctx, caller), log)
	resp := a.runAdmitted(ctx, log, e, adm, func(ctx context.Context) events.APIGatewayV2HTTPResponse {
		return a.run(ctx, log, caller, &request{event: e}, maxBody, ep)
	})
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
	return resp, nil
}

func (a *API) run(ctx context.Context, log *slog.Logger, caller partners.Principal, r *request, maxBody int, ep endpoint) events.APIGatewayV2HTTPResponse {
	e := r.event
	var err error
	r.body = []byte(e.Body)
	if e.IsBase64Encoded {
		if r.body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			return a.fail(log, e, partners.Errorf(partners.Invalid, "The request body is not valid base64."))
		}
	}
	if len(r.body) > maxBody {
		return a.fail(log, e, partners.Errorf(partners.TooLarge, "The request body must be at most %d bytes.", maxBody))
	}

	call := func(ctx context.Context) idempotency.Response {
		status, body, err := ep(ctx, r)
		if err != nil {
			return toStored(a.fail(log, e, err))
		}
		if raw, ok := body.(events.APIGatewayV2HTTPResponse); ok {
			return toStored(raw) // the endpoint built its own (non-JSON) response
		}
		return toStored(jsonResponse(status, body))
	}
	key := r.header("Idempotency-Key")
	if e.RequestContext.HTTP.Method != http.MethodPost || key == "" {
		return fromStored(call(ctx), false)
	}
	// The fingerprint binds the Idempotency-Key to the whole request and to
	// the API key that sent it: another key of the tenant gets 422, never
	// the stored answer (which can hold activation links).
	who := caller.KeyID
	if u := caller.PartnerUser; u != nil {
		who = "partner_user:" + u.UserID
	}
	fingerprint := idempotency.Fingerprint(who+" "+e.RequestContext.HTTP.Method, e.RawPath, e.RawQueryString, r.body)
	stored, replayed, err := a.Idempotency.Do(ctx, caller.TenantID, key, fingerprint, call)
	if errors.Is(err, idempotency.ErrNotStored) {
		log.Error("idempotent response not stored", "err", err)
		return fromStored(stored, false)
	}
	if err != nil {
		return a.fail(log, e, err)
	}
	return fromStored(stored, replayed)
}

// principalFrom reads the caller that the authorizer put in the context.
func principalFrom(e events.APIGatewayV2HTTPRequest) (partners.Principal, error) {
	var lambdaCtx map[string]any
	if e.RequestContext.Authorizer != nil {
		lambdaCtx = e.RequestContext.Authorizer.Lambda
	}
	str := func(k string) string { s, _ := lambdaCtx[k].(string); return s }
	if reason := str(ctxAuthError); reason != "" {
		return partners.Principal{}, partners.Errorf(partners.Unauthenticated, "%s", reason)
	}
	p := partners.Principal{TenantID: str(ctxTenantID), KeyID: str(ctxKeyID), KeyName: str(ctxKeyName), Role: partners.Role(str(ctxRole))}
	if p.TenantID == "" || !p.Role.Valid() {
		return partners.Principal{}, partners.Errorf(partners.Unauthenticated, "Send your API key as: Authorization: Bearer <key>.")
	}
	return p, nil
}

func (a *API) fail(log *slog.Logger, e events.APIGatewayV2HTTPRequest, err error) events.APIGatewayV2HTTPResponse {
	p := problemFor(err, e.RawPath, e.RequestContext.RequestID)
	if p.Status >= 500 {
		log.Error("request failed", "err", err)
	} else {
		log.Info("request refused", "status", p.Status, "err", err)
	}
	resp := jsonResponse(p.Status, p)
	resp.Headers["Content-Type"] = "application/problem+json"
	if p.Status == http.StatusUnauthorized {
		resp.Headers["WWW-Authenticate"] = `Bearer realm="partner-invites"`
	}
	if ra, ok := p.Details["retry_after"].(int); ok {
		resp.Headers["Retry-After"] = strconv.Itoa(ra)
	}
	return resp
}

func jsonResponse(status int, body any) events.APIGatewayV2HTTPResponse {
	b, err := json.Marshal(body)
	if err != nil {
		// Our own types always marshal; this guards a programming error.
		status, b = http.StatusInternalServerError, []byte(`{"type":"`+problemTypeBase+`internal","title":"Something went wrong on our side.","status":500}`)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(b),
	}
}

func toStored(r events.APIGatewayV2HTTPResponse) idempotency.Response {
	return idempotency.Response{Status: r.StatusCode, Headers: r.Headers, Body: r.Body}
}

func fromStored(s idempotency.Response, replayed bool) events.APIGatewayV2HTTPResponse {
	headers := make(map[string]string, len(s.Headers)+1)
	for k, v := range s.Headers {
		headers[k] = v
	}
	if replayed {
		headers["Idempotent-Replayed"] = "true"
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: s.Status, Headers: headers, Body: s.Body}
}
