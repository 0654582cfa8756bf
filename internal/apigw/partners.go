package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// contactJSON is a contact as the API reads and writes it.
type contactJSON = resources.Contact

type partnerJSON = resources.Partner

func partnerOut(p partners.Partner) partnerJSON { return resources.PartnerOf(p) }

func contactIn(c *contactJSON) *partners.Contact {
	if c == nil {
		return nil
	}
	return &partners.Contact{
		FirstName: deref(c.FirstName), LastName: deref(c.LastName), Email: c.Email,
		JobTitle: deref(c.JobTitle), Phone: deref(c.Phone),
	}
}

// createdPartnerJSON answers a create: the partner and, when it has a
// primary contact, the contact's invitation.
type createdPartnerJSON struct {
	partnerJSON
	PrimaryContactInvitation *invitationJSON `json:"primary_contact_invitation"`
}

// listJSON is one page of a list.
type listJSON[T any] struct {
	Object     string  `json:"object"`
	Data       []T     `json:"data"`
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor"`
}

func listOut[T, U any](page partners.Page[T], convert func(T) U) listJSON[U] {
	out := listJSON[U]{Object: "list", Data: make([]U, 0, len(page.Items)), HasMore: page.NextCursor != ""}
	for _, item := range page.Items {
		out.Data = append(out.Data, convert(item))
	}
	out.NextCursor = nullable(page.NextCursor)
	return out
}

type createPartnerJSON struct {
	SendEmail      *bool        `json:"send_email"`
	Name           string       `json:"name"`
	Status         string       `json:"status"`
	Onboarding     string       `json:"onboarding"`
	Programs       []string     `json:"programs"`
	Country        *string      `json:"country"`
	City           *string      `json:"city"`
	LogoURL        *string      `json:"logo_url"`
	PrimaryContact *contactJSON `json:"primary_contact"`
	PortalAccess   *bool        `json:"portal_access"`
	// Template names the email template of the primary contact's invitation.
	Template *string `json:"template"`
}

// CreatePartner handles POST /v1/partners.
func (a *API) CreatePartner(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in createPartnerJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		p, err := a.Partners.CreatePartner(ctx, partners.PartnerInput{
			Name: in.Name, Status: partners.PartnerStatus(in.Status), Onboarding: partners.Onboarding(in.Onboarding),
			Programs: in.Programs, Country: deref(in.Country), City: deref(in.City), LogoURL: deref(in.LogoURL),
			PrimaryContact: contactIn(in.PrimaryContact), SendEmail: sendEmail(in.SendEmail), Template: deref(in.Template),
			NoPortalAccess: in.PortalAccess != nil && !*in.PortalAccess,
		})
		if err != nil {
			return 0, nil, err
		}
		out := createdPartnerJSON{partnerJSON: partnerOut(p.Partner)}
		if res := p.Invitation; res != nil {
			inv := a.invitationOut(res.Invitation, res.Link)
			out.PrimaryContactInvitation = &inv
		}
		return http.StatusCreated, out, nil
	})
}

// partnerDetailJSON is one partner with its counts.
type partnerDetailJSON struct {
	partnerJSON
	Counts struct {
		Users       map[string]int `json:"users"`
		Invitations map[string]int `json:"invitations"`
	} `json:"counts"`
	LastActivityAt time.Time `json:"last_activity_at"`
}

// GetPartner handles GET /v1/partners/{id}: the partner and its counts.
func (a *API) GetPartner(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		p, counts, err := a.Partners.GetPartnerDetail(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		out := partnerDetailJSON{partnerJSON: partnerOut(p)}
		out.Counts.Users, out.Counts.Invitations = map[string]int{}, map[string]int{}
		for status, n := range counts.Users {
			out.Counts.Users[string(status)] = n
		}
		for status, n := range counts.Invitations {
			out.Counts.Invitations[string(status)] = n
		}
		out.LastActivityAt = counts.LastActivityAt
		return http.StatusOK, out, nil
	})
}

// ListPartners handles GET /v1/partners.
func (a *API) ListPartners(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		f := partners.PartnerFilter{Status: partners.PartnerStatus(r.query("status")), Program: r.query("program")}
		page, err := a.Partners.ListPartners(ctx, f, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, partnerOut), nil
	})
}

// UpdatePartner handles PATCH /v1/partners/{id}: JSON merge patch (RFC 7396)
// semantics, so a field left out is unchanged and null clears an optional one.
func (a *API) UpdatePartner(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var fields map[string]json.RawMessage
		if err := r.decodeJSON(&fields); err != nil {
			return 0, nil, err
		}
		patch, err := decodePartnerPatch(fields)
		if err != nil {
			return 0, nil, err
		}
		p, err := a.Partners.UpdatePartner(ctx, r.pathParam("id"), patch)
		if err != nil {
			return 0, nil, err
		}
		if res := p.Invitation; res != nil {
			// Access granted: the primary contact's invitation went out.
			inv := a.invitationOut(res.Invitation, res.Link)
			return http.StatusOK, createdPartnerJSON{partnerJSON: partnerOut(p.Partner), PrimaryContactInvitation: &inv}, nil
		}
		return http.StatusOK, partnerOut(p.Partner), nil
	})
}

func decodePartnerPatch(fields map[string]json.RawMessage) (partners.PartnerPatch, error) {
	var patch partners.PartnerPatch
	var problems []partners.FieldError
	bad := func(field, code, msg string) {
		problems = append(problems, partners.FieldError{Field: field, Code: code, Message: msg})
	}
	isNull := func(raw json.RawMessage) bool { return string(raw) == "null" }
	str := func(field string, raw json.RawMessage, nullOK bool) *string {
		var s string
		switch {
		case isNull(raw) && nullOK:
			return &s
		case isNull(raw):
			bad(field, "required", field+" cannot be null.")
			return nil
		case json.Unmarshal(raw, &s) != nil:
			bad(field, "wrong_type", field+" must be a string.")
			return nil
		}
		return &s
	}
	for field, raw := range fields {
		switch field {
		case "name":
			patch.Name = str(field, raw, false)
		case "status":
			if s := str(field, raw, false); s != nil {
				st := partners.PartnerStatus(*s)
				patch.Status = &st
			}
		case "country":
			patch.Country = str(field, raw, true)
		case "city":
			patch.City = str(field, raw, true)
		case "logo_url":
			patch.LogoURL = str(field, raw, true)
		case "programs":
			var programs []string
			if !isNull(raw) && json.Unmarshal(raw, &programs) != nil {
				bad(field, "wrong_type", "programs must be an array of strings.")
				continue
			}
			if programs == nil {
				programs = []string{}
			}
			patch.Programs = &programs
		case "primary_contact":
			var c *contactJSON
			if !isNull(raw) {
				if err := strictUnmarshal(raw, &c); err != nil {
					bad(field, "wrong_type", "primary_contact must be an object with email and optional first_name, last_name, job_title, phone.")
					continue
				}
			}
			contact := contactIn(c)
			patch.PrimaryContact = &contact
		case "portal_access":
			var on bool
			if json.Unmarshal(raw, &on) != nil {
				bad(field, "wrong_type", "portal_access must be true or false.")
				continue
			}
			patch.PortalAccess = &on
		case "primary_admin_user_id":
			patch.PrimaryAdminUserID = str(field, raw, true)
		case "onboarding", "onboarding_status":
			bad(field, "read_only", field+" changes through the partner form, /approve and /reject.")
		default:
			bad(field, "unknown_field", field+" is not a field of this request.")
		}
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
		return patch, &partners.Error{Kind: partners.Invalid, Message: "The request has invalid fields.", Fields: problems}
	}
	return patch, nil
}

func strictUnmarshal(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
