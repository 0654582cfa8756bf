package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// InvitationService is what the invitation endpoints need from the domain.
type InvitationService interface {
	InviteUser(ctx context.Context, partnerID string, in partners.InviteInput) (partners.InviteResult, error)
	InviteMany(ctx context.Context, partnerID string, entries []partners.BulkEntry, opts partners.BulkOptions) (partners.BulkReport, error)
	ImportCSV(ctx context.Context, partnerID string, data []byte, opts partners.BulkOptions) (partners.BulkReport, *partners.Import, error)
	GetImport(ctx context.Context, id string) (partners.Import, []partners.BulkResult, error)
	GetInvitation(ctx context.Context, id string) (partners.Invitation, error)
	ListInvitations(ctx context.Context, f partners.InvitationFilter, limit int, cursor string) (partners.Page[partners.Invitation], error)
	ResendInvitation(ctx context.Context, id string, in partners.ResendInput) (partners.InviteResult, error)
	RevokeInvitation(ctx context.Context, id string) (partners.Invitation, error)
	ListUsers(ctx context.Context, partnerID string, f partners.UserFilter, limit int, cursor string) (partners.Page[partners.PartnerUser], error)
	GetSettings(ctx context.Context) (partners.Settings, error)
	UpdateSettings(ctx context.Context, s partners.Settings) (partners.Settings, error)
}

// maxCSVBody is API Gateway's payload limit: the import's real bound.
const maxCSVBody = 10 << 20

type deliveryJSON struct {
	Status        string     `json:"status"`
	MessageID     *string    `json:"message_id"`
	Attempts      int        `json:"attempts"`
	LastError     *string    `json:"last_error"`
	FailureReason *string    `json:"failure_reason"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	QueuedAt      *time.Time `json:"queued_at"`
	SentAt        *time.Time `json:"sent_at"`
}

type invitationJSON struct {
	Object      string       `json:"object"`
	ID          string       `json:"id"`
	PartnerID   string       `json:"partner_id"`
	UserID      string       `json:"user_id"`
	Email       string       `json:"email"`
	Role        string       `json:"role"`
	Status      string       `json:"status"`
	ExpiresAt   time.Time    `json:"expires_at"`
	SendCount   int          `json:"send_count"`
	InviterName *string      `json:"inviter_name"`
	RedirectURL *string      `json:"redirect_url"`
	Delivery    deliveryJSON `json:"delivery"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	AcceptedAt  *time.Time   `json:"accepted_at"`
	RevokedAt   *time.Time   `json:"revoked_at"`
	// RenewalRequestedAt is when the invitee asked for a new link from the
	// page of the expired one.
	RenewalRequestedAt *time.Time `json:"renewal_requested_at"`
	ActivationURL      *string    `json:"activation_url,omitempty"`
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (a *API) invitationOut(inv partners.Invitation, link string) invitationJSON {
	d := inv.Delivery
	return invitationJSON{
		Object: "invitation", ID: inv.ID, PartnerID: inv.PartnerID, UserID: inv.UserID, Email: inv.Email, Role: inv.Role,
		Status: string(inv.StatusAt(a.Clock.Now())), ExpiresAt: inv.ExpiresAt, SendCount: inv.SendSeq,
		InviterName: nullable(inv.InviterName), RedirectURL: nullable(inv.RedirectURL),
		Delivery: deliveryJSON{
			Status: string(d.Status), MessageID: nullable(d.MessageID), Attempts: d.Attempts,
			LastError: nullable(d.LastError), QueuedAt: timeOrNull(d.QueuedAt), SentAt: timeOrNull(d.SentAt),
			FailureReason: nullable(string(d.FailureReason)), NextAttemptAt: timeOrNull(d.NextAttemptAt),
		},
		CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt,
		AcceptedAt: timeOrNull(inv.AcceptedAt), RevokedAt: timeOrNull(inv.RevokedAt), ActivationURL: nullable(link),
		RenewalRequestedAt: timeOrNull(inv.RenewalRequestedAt),
	}
}

type userJSON struct {
	Object       string    `json:"object"`
	ID           string    `json:"id"`
	PartnerID    string    `json:"partner_id"`
	Email        string    `json:"email"`
	FirstName    *string   `json:"first_name"`
	LastName     *string   `json:"last_name"`
	JobTitle     *string   `json:"job_title"`
	Phone        *string   `json:"phone"`
	Role         string    `json:"role"`
	Status       string    `json:"status"`
	InvitationID string    `json:"invitation_id"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func userOut(u partners.PartnerUser) userJSON {
	return userJSON{
		Object: "partner_user", ID: u.ID, PartnerID: u.PartnerID, Email: u.Email,
		FirstName: nullable(u.FirstName), LastName: nullable(u.LastName), JobTitle: nullable(u.JobTitle), Phone: nullable(u.Phone),
		Role: u.Role, Status: string(u.Status), InvitationID: u.InvitationID, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// inviteResultJSON answers an invite of one person.
type inviteResultJSON struct {
	Object     string         `json:"object"`
	Outcome    string         `json:"outcome"`
	User       userJSON       `json:"user"`
	Invitation invitationJSON `json:"invitation"`
}

type inviteUserJSON struct {
	Email          string  `json:"email"`
	FirstName      *string `json:"first_name"`
	LastName       *string `json:"last_name"`
	Phone          *string `json:"phone"`
	JobTitle       *string `json:"job_title"`
	Role           string  `json:"role"`
	SendEmail      *bool   `json:"send_email"`
	EmailVerified  bool    `json:"email_verified"`
	ExpiresInHours int     `json:"expires_in_hours"`
	RedirectURL    *string `json:"redirect_url"`
	InviterName    *string `json:"inviter_name"`
}

func sendEmail(b *bool) bool { return b == nil || *b }

// InviteUser handles POST /v1/partners/{id}/users: 201 for a new
// invitation, 200 when a pending one got a new link.
func (a *API) InviteUser(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in inviteUserJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		res, err := a.Invitations.InviteUser(ctx, r.pathParam("id"), partners.InviteInput{
			Email: in.Email, FirstName: deref(in.FirstName), LastName: deref(in.LastName), Phone: deref(in.Phone),
			JobTitle: deref(in.JobTitle), Role: in.Role, SendEmail: sendEmail(in.SendEmail), EmailVerified: in.EmailVerified,
			ExpiresInHours: in.ExpiresInHours, RedirectURL: deref(in.RedirectURL), InviterName: deref(in.InviterName),
		})
		if err != nil {
			return 0, nil, err
		}
		status := http.StatusCreated
		if res.Outcome == partners.OutcomeResent {
			status = http.StatusOK
		}
		return status, inviteResultJSON{
			Object: "invite_result", Outcome: string(res.Outcome), User: userOut(res.User),
			Invitation: a.invitationOut(res.Invitation, res.Link),
		}, nil
	})
}

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
	Emails         emailsJSON `json:"emails"`
	Role           string     `json:"role"`
	SendEmail      *bool      `json:"send_email"`
	EmailVerified  bool       `json:"email_verified"`
	ExpiresInHours int        `json:"expires_in_hours"`
	RedirectURL    *string    `json:"redirect_url"`
	InviterName    *string    `json:"inviter_name"`
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
			RedirectURL: deref(in.RedirectURL), InviterName: deref(in.InviterName),
		})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.bulkOut(report, false), nil
	})
}

// ImportInvitations handles POST /v1/partners/{id}/invitations/import with
// a text/csv body; query: dry_run, send_email, role, expires_in_hours,
// async. A small file is answered with its per-row results (200); a large
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
			Role: r.query("role"), SendEmail: send, EmailVerified: vouched, ExpiresInHours: hours, DryRun: dryRun, InviterName: r.query("inviter_name"), Async: async,
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

// InvitationsSampleCSV handles GET /v1/invitations/sample.csv.
func (a *API) InvitationsSampleCSV(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		if _, err := a.Invitations.GetSettings(ctx); err != nil { // checks that the caller may read
			return 0, nil, err
		}
		return http.StatusOK, events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusOK,
			Headers: map[string]string{
				"Content-Type":        "text/csv; charset=utf-8",
				"Content-Disposition": `attachment; filename="invitations-sample.csv"`,
			},
			Body: partners.SampleCSV,
		}, nil
	})
}

// ListInvitations handles GET /v1/invitations.
func (a *API) ListInvitations(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		f := partners.InvitationFilter{
			Status: partners.InvitationStatus(r.query("status")), PartnerID: r.query("partner_id"), Email: r.query("email"),
		}
		page, err := a.Invitations.ListInvitations(ctx, f, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, func(inv partners.Invitation) invitationJSON { return a.invitationOut(inv, "") }), nil
	})
}

// GetInvitation handles GET /v1/invitations/{id}.
func (a *API) GetInvitation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		inv, err := a.Invitations.GetInvitation(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.invitationOut(inv, ""), nil
	})
}

type resendJSON struct {
	SendEmail      *bool `json:"send_email"`
	EmailVerified  bool  `json:"email_verified"`
	ExpiresInHours int   `json:"expires_in_hours"`
}

// ResendInvitation handles POST /v1/invitations/{id}/resend; the body is
// optional.
func (a *API) ResendInvitation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in resendJSON
		if len(bytes.TrimSpace(r.body)) > 0 {
			if err := r.decodeJSON(&in); err != nil {
				return 0, nil, err
			}
		}
		res, err := a.Invitations.ResendInvitation(ctx, r.pathParam("id"), partners.ResendInput{
			SendEmail: sendEmail(in.SendEmail), EmailVerified: in.EmailVerified, ExpiresInHours: in.ExpiresInHours,
		})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.invitationOut(res.Invitation, res.Link), nil
	})
}

// RevokeInvitation handles POST /v1/invitations/{id}/revoke.
func (a *API) RevokeInvitation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		inv, err := a.Invitations.RevokeInvitation(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.invitationOut(inv, ""), nil
	})
}

// ListPartnerUsers handles GET /v1/partners/{id}/users.
func (a *API) ListPartnerUsers(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		limit, err := r.queryInt("limit")
		if err != nil {
			return 0, nil, err
		}
		page, err := a.Invitations.ListUsers(ctx, r.pathParam("id"), partners.UserFilter{Status: partners.UserStatus(r.query("status"))}, limit, r.query("cursor"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listOut(page, userOut), nil
	})
}

type importJSON struct {
	Object      string         `json:"object"`
	ID          string         `json:"id"`
	PartnerID   string         `json:"partner_id"`
	Status      string         `json:"status"`
	Summary     map[string]int `json:"summary"`
	CreatedAt   time.Time      `json:"created_at"`
	CompletedAt *time.Time     `json:"completed_at"`
	Results     []bulkItemJSON `json:"results"`
}

func (a *API) importOut(imp partners.Import, results []partners.BulkResult) importJSON {
	report := partners.BulkReport{Results: results}
	return importJSON{
		Object: "import", ID: imp.ID, PartnerID: imp.PartnerID, Status: string(imp.Status),
		Summary:   map[string]int{"total": imp.Rows, "done": imp.Done, "created": imp.Created, "resent": imp.Resent, "errors": imp.Errors},
		CreatedAt: imp.CreatedAt, CompletedAt: timeOrNull(imp.CompletedAt),
		Results: a.bulkOut(report, true).Results,
	}
}

// GetImport handles GET /v1/imports/{id}: an import job's progress and the
// results of the rows done so far, in file order.
func (a *API) GetImport(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		imp, results, err := a.Invitations.GetImport(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.importOut(imp, results), nil
	})
}
