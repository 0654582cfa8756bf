package apigw

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The bulk routes: a list of addresses (pasted or an array) and a CSV import,
// answered with one result per entry.

// maxCSVBody is API Gateway's payload limit: the import's real bound.
const maxCSVBody = 10 << 20

// emailsJSON is the emails field of a bulk invite: one pasted string, or an
// array of addresses or of {email, role, first_name, last_name}.
type emailsJSON struct {
	entries []partners.BulkEntry
}

func (e *emailsJSON) UnmarshalJSON(b []byte) error {
	var text string
	if json.Unmarshal(b, &text) == nil {
		for _, le := range partners.ParseEmailList(text) {
			e.entries = append(e.entries, listEntry(le, ""))
		}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return partners.InvalidField("emails", "wrong_type", "emails must be a string or an array of addresses or objects.")
	}
	for i, raw := range items {
		if json.Unmarshal(raw, &text) == nil {
			e.entries = append(e.entries, listEntry(partners.ParseAddress(text), ""))
			continue
		}
		var obj struct {
			Email     string `json:"email"`
			Role      string `json:"role"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		}
		if err := strictUnmarshal(raw, &obj); err != nil {
			return partners.InvalidField("emails["+strconv.Itoa(i)+"]", "wrong_type", "each entry of emails must be an address or an object with email, role, first_name, last_name.")
		}
		entry := listEntry(partners.ParseAddress(obj.Email), obj.Role)
		if obj.FirstName != "" || obj.LastName != "" {
			entry.FirstName, entry.LastName = obj.FirstName, obj.LastName
		}
		e.entries = append(e.entries, entry)
	}
	return nil
}

func listEntry(le partners.ListEntry, role string) partners.BulkEntry {
	e := partners.BulkEntry{Input: le.Input, Email: le.Email, Role: role}
	if le.Name != "" {
		e.FirstName, e.LastName = le.PersonName()
	}
	if le.Problem != "" {
		e.Problem = &partners.FieldError{Field: "email", Code: le.Problem, Message: strconv.Quote(le.Input) + " is not a valid email address."}
	}
	return e
}

type inviteManyJSON struct {
	Emails emailsJSON `json:"emails"`
	inviteOptionsJSON
}

type itemErrorJSON struct {
	Code    string         `json:"code"`
	Detail  string         `json:"detail"`
	Field   string         `json:"field,omitempty"`
	Partner map[string]any `json:"partner,omitempty"`
	Retry   any            `json:"retry_after,omitempty"`
}

type bulkItemJSON struct {
	Index         *int            `json:"index,omitempty"`
	Row           *int            `json:"row,omitempty"`
	Input         string          `json:"input"`
	Email         *string         `json:"email"`
	Status        string          `json:"status"`
	InvitationID  *string         `json:"invitation_id"`
	ActivationURL *string         `json:"activation_url,omitempty"`
	Invitation    *invitationJSON `json:"invitation,omitempty"`
	Error         *itemErrorJSON  `json:"error,omitempty"`
}

type bulkJSON struct {
	Object  string         `json:"object"`
	DryRun  bool           `json:"dry_run"`
	Summary map[string]int `json:"summary"`
	Results []bulkItemJSON `json:"results"`
}

// bulkOut writes a bulk report. A compact report (CSV imports, up to 10,000
// rows) gives each row's invitation id and link rather than the whole
// invitation, to stay well under Lambda's 6 MB response limit.
func (a *API) bulkOut(report partners.BulkReport, compact bool) bulkJSON {
	out := bulkJSON{
		Object: "bulk_result", DryRun: report.DryRun,
		Summary: map[string]int{"total": len(report.Results), "created": report.Created, "resent": report.Resent, "errors": report.Errors},
		Results: make([]bulkItemJSON, 0, len(report.Results)),
	}
	for i, r := range report.Results {
		item := bulkItemJSON{Input: r.Entry.Input, Email: nullable(r.Entry.Email), Status: string(r.Status)}
		if r.Entry.Row > 0 {
			row := r.Entry.Row
			item.Row = &row
		} else {
			index := i
			item.Index = &index
		}
		if report.DryRun && r.Status != partners.BulkError {
			item.Status = "would_be_" + string(r.Status)
		}
		if r.Status != partners.BulkError && !report.DryRun {
			item.InvitationID = nullable(r.Result.Invitation.ID)
			if compact {
				item.ActivationURL = nullable(r.Result.Link)
			} else {
				inv := a.invitationOut(r.Result.Invitation, r.Result.Link)
				item.Invitation = &inv
			}
		}
		if r.Err != nil {
			item.Error = itemErrorOut(r.Err)
		}
		out.Results = append(out.Results, item)
	}
	return out
}

func itemErrorOut(e *partners.Error) *itemErrorJSON {
	out := &itemErrorJSON{Code: string(e.Kind), Detail: e.Message}
	if len(e.Fields) > 0 {
		out.Code, out.Field = e.Fields[0].Code, e.Fields[0].Field
		out.Detail = e.Fields[0].Message
		for _, f := range e.Fields[1:] {
			out.Detail += " " + f.Message
		}
	}
	if code, ok := e.Details["code"].(string); ok {
		out.Code = code
	}
	if p, ok := e.Details["partner"].(map[string]any); ok {
		out.Partner = p
	}
	if ra, ok := e.Details["retry_after"]; ok {
		out.Retry = ra
	}
	return out
}

// InviteMany handles POST /v1/partners/{id}/invitations: one result per
// address, in order.
func (a *API) InviteMany(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in inviteManyJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		report, err := a.Invitations.InviteMany(ctx, r.pathParam("id"), in.Emails.entries, partners.BulkOptions{
			Role: in.Role, SendEmail: sendEmail(in.SendEmail), EmailVerified: in.EmailVerified, ExpiresInHours: in.ExpiresInHours,
			RedirectURL: deref(in.RedirectURL), InviterName: deref(in.InviterName), Template: deref(in.Template),
		})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.bulkOut(report, false), nil
	})
}

// ImportInvitations handles POST /v1/partners/{id}/invitations/import with
// a text/csv body; query: dry_run, send_email, role, expires_in_hours,
// inviter_name, template, async. A small file is answered with its per-row results (200); a large
// one (or async=true) with its import job (202), whose results
// GET /v1/imports/{id} gives.
func (a *API) ImportInvitations(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenantLimit(ctx, e, maxCSVBody, func(ctx context.Context, r *request) (int, any, error) {
		mt, _, err := mime.ParseMediaType(r.header("Content-Type"))
		if err != nil || (mt != "text/csv" && mt != "application/csv" && mt != "text/plain") {
			return 0, nil, partners.Errorf(partners.Unsupported, "Send the file as text/csv.")
		}
		dryRun, err := r.queryBool("dry_run", false)
		if err != nil {
			return 0, nil, err
		}
		send, err := r.queryBool("send_email", true)
		if err != nil {
			return 0, nil, err
		}
		vouched, err := r.queryBool("email_verified", false)
		if err != nil {
			return 0, nil, err
		}
		hours, err := r.queryInt("expires_in_hours")
		if err != nil {
			return 0, nil, err
		}
		async, err := r.queryBool("async", false)
		if err != nil {
			return 0, nil, err
		}
		report, job, err := a.Invitations.ImportCSV(ctx, r.pathParam("id"), r.body, partners.BulkOptions{
			Role: r.query("role"), SendEmail: send, EmailVerified: vouched, ExpiresInHours: hours, DryRun: dryRun, InviterName: r.query("inviter_name"), Template: r.query("template"), Async: async,
		})
		if err != nil {
			return 0, nil, err
		}
		if job != nil {
			out := a.importOut(*job, nil)
			resp := jsonResponse(http.StatusAccepted, out)
			resp.Headers["Location"] = "/v1/imports/" + job.ID
			return http.StatusAccepted, resp, nil
		}
		return http.StatusOK, a.bulkOut(report, true), nil
	})
}
