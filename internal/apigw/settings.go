package apigw

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/emails"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

type brandingJSON struct {
	LogoURL     *string `json:"logo_url"`
	AccentColor *string `json:"accent_color"`
}

type templatesJSON struct {
	Subject *string `json:"subject"`
	HTML    *string `json:"html"`
	Text    *string `json:"text"`
}

type settingsJSON struct {
	Object         string        `json:"object"`
	InviteTTLHours int           `json:"invite_ttl_hours"`
	Roles          []string      `json:"roles"`
	Branding       brandingJSON  `json:"branding"`
	EmailTemplates templatesJSON `json:"email_templates"`
	// NamedEmailTemplates are the templates an invite may choose by name
	// ({} when there are none).
	NamedEmailTemplates map[string]templatesJSON `json:"named_email_templates"`
	PortalURL           *string                  `json:"portal_url"`
	SelfServiceRenewal  bool                     `json:"self_service_renewal"`
	SendLimits          sendLimitsOut            `json:"send_limits"`
	RetentionDays       int                      `json:"retention_days"`
	PartnerForm         formJSON                 `json:"partner_form"`
	UpdatedAt           *time.Time               `json:"updated_at"`
}

// formJSON is the partner form as the settings show and take it.
type formJSON struct {
	Questions      []questionJSON `json:"questions"`
	ReviewRequired bool           `json:"review_required"`
}

type questionJSON struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Help     *string  `json:"help"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices"`
}

func formOut(f partners.PartnerForm) formJSON {
	out := formJSON{Questions: make([]questionJSON, 0, len(f.Questions)), ReviewRequired: f.ReviewRequired}
	for _, q := range f.Questions {
		choices := q.Choices
		if choices == nil {
			choices = []string{}
		}
		out.Questions = append(out.Questions, questionJSON{Key: q.Key, Label: q.Label, Help: nullable(q.Help), Type: string(q.Type), Required: q.Required, Choices: choices})
	}
	return out
}

func formIn(f *formJSON) partners.PartnerForm {
	if f == nil {
		return partners.PartnerForm{}
	}
	out := partners.PartnerForm{ReviewRequired: f.ReviewRequired}
	for _, q := range f.Questions {
		out.Questions = append(out.Questions, partners.FormQuestion{Key: q.Key, Label: q.Label, Help: deref(q.Help), Type: partners.QuestionType(q.Type), Required: q.Required, Choices: q.Choices})
	}
	return out
}

func templatesOut(t emails.Templates) templatesJSON {
	return templatesJSON{Subject: nullable(t.Subject), HTML: nullable(t.HTML), Text: nullable(t.Text)}
}

func templatesIn(t templatesJSON) emails.Templates {
	return emails.Templates{Subject: deref(t.Subject), HTML: deref(t.HTML), Text: deref(t.Text)}
}

func namedTemplatesOut(named map[string]emails.Templates) map[string]templatesJSON {
	out := make(map[string]templatesJSON, len(named))
	for name, t := range named {
		out[name] = templatesOut(t)
	}
	return out
}

// namedTemplatesIn takes the named templates of a PUT; a template given as
// null is one whose every part is the default's.
func namedTemplatesIn(named map[string]templatesJSON) map[string]emails.Templates {
	out := make(map[string]emails.Templates, len(named))
	for name, t := range named {
		out[name] = templatesIn(t)
	}
	return out
}

type sendLimitsOut struct {
	EmailsPerHour            int `json:"emails_per_hour"`
	EmailsPerRecipientPerDay int `json:"emails_per_recipient_per_day"`
}

type sendLimitsIn struct {
	EmailsPerHour            *int `json:"emails_per_hour"`
	EmailsPerRecipientPerDay *int `json:"emails_per_recipient_per_day"`
}

func settingsOut(s partners.Settings) settingsJSON {
	return settingsJSON{
		Object: "settings", InviteTTLHours: s.InviteTTLHours, Roles: s.Roles,
		Branding:       brandingJSON{LogoURL: nullable(s.Branding.LogoURL), AccentColor: nullable(s.Branding.AccentColor)},
		EmailTemplates: templatesOut(s.Email), NamedEmailTemplates: namedTemplatesOut(s.NamedEmail),
		PortalURL: nullable(s.PortalURL), SelfServiceRenewal: s.SelfServiceRenewal, UpdatedAt: timeOrNull(s.UpdatedAt),
		SendLimits:    sendLimitsOut{EmailsPerHour: s.SendLimits.EmailsPerHour, EmailsPerRecipientPerDay: s.SendLimits.EmailsPerRecipientPerDay},
		RetentionDays: s.RetentionDays, PartnerForm: formOut(s.PartnerForm),
	}
}

// putSettingsJSON is the body of PUT /v1/settings: the whole settings; a
// field left out takes its default.
type putSettingsJSON struct {
	InviteTTLHours      *int                     `json:"invite_ttl_hours"`
	Roles               []string                 `json:"roles"`
	Branding            *brandingJSON            `json:"branding"`
	EmailTemplates      *templatesJSON           `json:"email_templates"`
	NamedEmailTemplates map[string]templatesJSON `json:"named_email_templates"`
	PortalURL           *string                  `json:"portal_url"`
	SelfServiceRenewal  *bool                    `json:"self_service_renewal"`
	SendLimits          *sendLimitsIn            `json:"send_limits"`
	RetentionDays       *int                     `json:"retention_days"`
	PartnerForm         *formJSON                `json:"partner_form"`
}

// GetSettings handles GET /v1/settings.
func (a *API) GetSettings(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		s, err := a.Invitations.GetSettings(ctx)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, settingsOut(s), nil
	})
}

// UpdateSettings handles PUT /v1/settings (admin keys).
func (a *API) UpdateSettings(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		var in putSettingsJSON
		if err := r.decodeJSON(&in); err != nil {
			return 0, nil, err
		}
		s := partners.DefaultSettings()
		if in.InviteTTLHours != nil {
			s.InviteTTLHours = *in.InviteTTLHours
		}
		if in.Roles != nil {
			s.Roles = in.Roles
		}
		if b := in.Branding; b != nil {
			s.Branding = partners.Branding{LogoURL: deref(b.LogoURL), AccentColor: deref(b.AccentColor)}
		}
		if t := in.EmailTemplates; t != nil {
			s.Email = templatesIn(*t)
		}
		s.NamedEmail = namedTemplatesIn(in.NamedEmailTemplates)
		s.PortalURL = deref(in.PortalURL)
		s.SelfServiceRenewal = in.SelfServiceRenewal != nil && *in.SelfServiceRenewal
		if in.RetentionDays != nil {
			s.RetentionDays = *in.RetentionDays
		}
		s.PartnerForm = formIn(in.PartnerForm)
		if l := in.SendLimits; l != nil {
			if l.EmailsPerHour != nil {
				s.SendLimits.EmailsPerHour = *l.EmailsPerHour
			}
			if l.EmailsPerRecipientPerDay != nil {
				s.SendLimits.EmailsPerRecipientPerDay = *l.EmailsPerRecipientPerDay
			}
		}
		saved, err := a.Invitations.UpdateSettings(ctx, s)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, settingsOut(saved), nil
	})
}
