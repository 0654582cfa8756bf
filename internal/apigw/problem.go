package apigw

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// problemTypeBase prefixes the type of every problem; the types are listed in
// docs/api.md. RFC 9457 allows a non-dereferenceable URI.
const problemTypeBase = "urn:partner-invites:problem:"

// problem is an RFC 9457 problem details document with our extension members.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []fieldProblem `json:"errors,omitempty"`
	Details   map[string]any `json:"-"`
}

type fieldProblem struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// MarshalJSON flattens Details into the top level: RFC 9457 extension members.
func (p problem) MarshalJSON() ([]byte, error) {
	type plain problem
	base, err := json.Marshal(plain(p))
	if err != nil || len(p.Details) == 0 {
		return base, err
	}
	merged := map[string]any{}
	for k, v := range p.Details {
		merged[k] = v
	}
	var fields map[string]any
	if err := json.Unmarshal(base, &fields); err != nil {
		return nil, err
	}
	for k, v := range fields {
		merged[k] = v
	}
	return json.Marshal(merged)
}

type kindInfo struct {
	status int
	slug   string
	title  string
}

var kinds = map[partners.Kind]kindInfo{
	partners.Invalid:         {http.StatusBadRequest, "invalid-request", "Your request is not valid."},
	partners.Unauthenticated: {http.StatusUnauthorized, "unauthenticated", "A valid API key is required."},
	partners.Forbidden:       {http.StatusForbidden, "forbidden", "Your API key is not allowed to do this."},
	partners.NotFound:        {http.StatusNotFound, "not-found", "The resource does not exist."},
	partners.Conflict:        {http.StatusConflict, "conflict", "The request conflicts with the current state."},
	partners.Unprocessable:   {http.StatusUnprocessableEntity, "unprocessable", "The request cannot be applied."},
	partners.TooLarge:        {http.StatusRequestEntityTooLarge, "too-large", "The request is too large."},
	partners.Unsupported:     {http.StatusUnsupportedMediaType, "unsupported-media-type", "The request body's media type is not supported."},
	partners.Gone:            {http.StatusGone, "gone", "This no longer exists."},
	partners.RateLimited:     {http.StatusTooManyRequests, "rate-limited", "Too many requests."},
	partners.Internal:        {http.StatusInternalServerError, "internal", "Something went wrong on our side."},
}

// problemFor maps an error to its problem document: the one place where
// domain errors become HTTP statuses. Internal errors show no detail.
func problemFor(err error, instance, requestID string) problem {
	kind := partners.KindOf(err)
	info, ok := kinds[kind]
	if !ok {
		kind, info = partners.Internal, kinds[partners.Internal]
	}
	p := problem{
		Type: problemTypeBase + info.slug, Title: info.title, Status: info.status,
		Instance: instance, RequestID: requestID,
	}
	var e *partners.Error
	if kind == partners.Internal || !errors.As(err, &e) {
		p.Detail = "Please retry; if it keeps failing, contact support with the request_id."
		return p
	}
	p.Detail = e.Message
	p.Details = e.Details
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, fieldProblem{Field: f.Field, Code: f.Code, Detail: f.Message})
	}
	return p
}
