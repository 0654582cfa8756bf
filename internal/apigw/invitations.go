package apigw

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
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
	UpdateUser(ctx context.Context, partnerID, userID string, patch partners.UserPatch) (partners.PartnerUser, error)
	RemoveUser(ctx context.Context, partnerID, userID string) (partners.PartnerUser, error)
	MoveUser(ctx context.Context, partnerID, userID, toPartnerID string) (partners.PartnerUser, error)
	GetSettings(ctx context.Context) (partners.Settings, error)
	UpdateSettings(ctx context.Context, s partners.Settings) (partners.Settings, error)
}

type invitationJSON = resources.Invitation
type userJSON = resources.PartnerUser

func timeOrNull(t time.Time) *time.Time { return resources.TimeOrNull(t) }

func (a *API) invitationOut(inv partners.Invitation, link string) invitationJSON {
	return resources.InvitationOf(inv, a.Clock.Now(), link)
}

func userOut(u partners.PartnerUser) userJSON { return resources.PartnerUserOf(u) }

// inviteResultJSON answers an invite of one person.
type inviteResultJSON struct {
	Object     string         `json:"object"`
	Outcome    string         `json:"outcome"`
	User       userJSON       `json:"user"`
	Invitation invitationJSON `json:"invitation"`
}

// inviteOptionsJSON are the fields every invite request shares: the role
// and how the link is delivered.
type inviteOptionsJSON struct {
	Role           string  `json:"role"`
	SendEmail      *bool   `json:"send_email"`
	EmailVerified  bool    `json:"email_verified"`
	ExpiresInHours int     `json:"expires_in_hours"`
	RedirectURL    *string `json:"redirect_url"`
	InviterName    *string `json:"inviter_name"`
	// Template names one of the tenant's named email templates; null is
	// the default.
	Template *string `json:"template"`
}

type inviteUserJSON struct {
	Email     string  `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Phone     *string `json:"phone"`
	JobTitle  *string `json:"job_title"`
	// Force mails an address that bounced for good or complained.
	Force bool `json:"force"`
	// Grants are added to the partner's grants (what is shared with it).
	Grants []grantJSON `json:"grants"`
	inviteOptionsJSON
}

func sendEmail(b *bool) bool { return b == nil || *b }

func inviteInput(in inviteUserJSON) partners.InviteInput {
	return partners.InviteInput{
		Email: in.Email, FirstName: deref(in.FirstName), LastName: deref(in.LastName), Phone: deref(in.Phone),
		JobTitle: deref(in.JobTitle), Role: in.Role, SendEmail: sendEmail(in.SendEmail), EmailVerified: in.EmailVerified,
		ExpiresInHours: in.ExpiresInHours, RedirectURL: deref(in.RedirectURL), InviterName: deref(in.InviterName),
		Template: deref(in.Template), Force: in.Force, Grants: grantsIn(in.Grants),
	}
}

// InviteUser handles POST /v1/partners/{id}/users: 201 for a new
// invitation, 200 when a pending one got a new link.
func (a *API) InviteUser(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, a.inviteEndpoint(func(ctx context.Context, r *request, in partners.InviteInput) (partners.InviteResult, error) {
		return a.Invitations.InviteUser(ctx, r.pathParam("id"), in)
	}))
}

// inviteEndpoint is the endpoint of an invite of one person — the tenant's
// or a partner admin's, which differ only in what they call.
func (a *API) inviteEndpoint(invite func(context.Context, *request, partners.InviteInput) (partners.InviteResult, error)) endpoint {
	return func(ctx context.Context, r *request) (int, any, error) {
		var in inviteUserJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		res, err := invite(ctx, r, inviteInput(in))
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
	}
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
	// Force mails an address that bounced for good or complained.
	Force bool `json:"force"`
}

// ResendInvitation handles POST /v1/invitations/{id}/resend; the body is
// optional.
func (a *API) ResendInvitation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, a.resendEndpoint(a.Invitations.ResendInvitation))
}

// resendEndpoint is the endpoint of a resend (the body is optional), the
// tenant's or a partner admin's.
func (a *API) resendEndpoint(resend func(ctx context.Context, id string, in partners.ResendInput) (partners.InviteResult, error)) endpoint {
	return func(ctx context.Context, r *request) (int, any, error) {
		var in resendJSON
		if len(bytes.TrimSpace(r.body)) > 0 {
			if err := r.decodeJSON(&in); err != nil {
				return 0, nil, err
			}
		}
		res, err := resend(ctx, r.pathParam("id"), partners.ResendInput{
			SendEmail: sendEmail(in.SendEmail), EmailVerified: in.EmailVerified, ExpiresInHours: in.ExpiresInHours, Force: in.Force,
		})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.invitationOut(res.Invitation, res.Link), nil
	}
}

// RevokeInvitation handles POST /v1/invitations/{id}/revoke.
func (a *API) RevokeInvitation(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, a.revokeEndpoint(a.Invitations.RevokeInvitation))
}

// revokeEndpoint is the endpoint of a revoke, the tenant's or a partner
// admin's.
func (a *API) revokeEndpoint(revoke func(ctx context.Context, id string) (partners.Invitation, error)) endpoint {
	return func(ctx context.Context, r *request) (int, any, error) {
		inv, err := revoke(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.invitationOut(inv, ""), nil
	}
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
