package apigw

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ownPartnerJSON is GET /v1/partner: the caller's partner, the tenant's
// form, and the caller.
type ownPartnerJSON struct {
	Object      string      `json:"object"`
	Partner     partnerJSON `json:"partner"`
	PartnerForm formJSON    `json:"partner_form"`
	User        userJSON    `json:"user"`
	// CanSubmit says whether the caller may submit the form now: an
	// admin of a partner that has yet to.
	CanSubmit bool `json:"can_submit"`
}

// GetOwnPartner handles GET /v1/partner.
func (a *API) GetOwnPartner(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		v, err := a.Portal.OwnPartner(ctx)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, ownPartnerJSON{
			Object: "partner_view", Partner: partnerOut(v.Partner), PartnerForm: formOut(v.Form), User: userOut(v.User),
			CanSubmit: v.IsAdmin() && v.Partner.OnboardingStatus == partners.OnboardingPending,
		}, nil
	})
}

type answersJSON struct {
	Answers map[string]json.RawMessage `json:"answers"`
}

// SubmitOwnAnswers handles PUT /v1/partner/answers: the partner form as
// JSON, each answer a string, an array of strings (multi_choice) or a
// boolean (checkbox).
func (a *API) SubmitOwnAnswers(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.servePartner(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in answersJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		answers, err := formInputOf(in.Answers)
		if err != nil {
			return 0, nil, err
		}
		p, err := a.Portal.SubmitOwnAnswers(ctx, answers)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, partnerOut(p), nil
	})
}

// formInputOf turns JSON answers into the values a form post gives.
func formInputOf(raw map[string]json.RawMessage) (partners.FormInput, error) {
	in := partners.FormInput{}
	var problems []partners.FieldError
	for key, v := range raw {
		var s string
		var list []string
		var b bool
		switch {
		case string(v) == "null":
		case json.Unmarshal(v, &s) == nil:
			in[key] = []string{s}
		case json.Unmarshal(v, &list) == nil:
			in[key] = list
		case json.Unmarshal(v, &b) == nil:
			in[key] = []string{map[bool]string{true: "true", false: "false"}[b]}
		default:
			problems = append(problems, partners.FieldError{Field: "answers." + key, Code: "wrong_type", Message: "an answer is a string, an array of strings or a boolean."})
		}
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
		return nil, &partners.Error{Kind: partners.Invalid, Message: "The request has invalid fields.", Fields: problems}
	}
	return in, nil
}
