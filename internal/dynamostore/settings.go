package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/partnerinvites/partnerinvites/internal/emails"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

const settingsSK = "SETTINGS"

type settingsRecord struct {
	keys
	Type           string                    `dynamodbav:"type"`
	InviteTTLHours int                       `dynamodbav:"invite_ttl_hours"`
	Roles          []string                  `dynamodbav:"roles"`
	LogoURL        string                    `dynamodbav:"logo_url,omitempty"`
	AccentColor    string                    `dynamodbav:"accent_color,omitempty"`
	EmailSubject   string                    `dynamodbav:"email_subject,omitempty"`
	EmailHTML      string                    `dynamodbav:"email_html,omitempty"`
	EmailText      string                    `dynamodbav:"email_text,omitempty"`
	NamedEmail     map[string]templateRecord `dynamodbav:"named_email_templates,omitempty"`
	PortalURL      string                    `dynamodbav:"portal_url,omitempty"`
	SelfService    bool                      `dynamodbav:"self_service_renewal"`
	EmailsPerHour  int                       `dynamodbav:"emails_per_hour,omitempty"`
	EmailsPerDay   int                       `dynamodbav:"emails_per_recipient_per_day,omitempty"`
	RetentionDays  int                       `dynamodbav:"retention_days,omitempty"`
	PartnerForm    []formQuestionRecord      `dynamodbav:"partner_form,omitempty"`
	FormReview     bool                      `dynamodbav:"partner_form_review,omitempty"`
	UpdatedAt      time.Time                 `dynamodbav:"updated_at"`
}

// GetSettings returns a tenant's settings, or the defaults.
func (s *Store) GetSettings(ctx context.Context, tenantID string) (partners.Settings, error) {
	var r settingsRecord
	err := s.get(ctx, tenantPK(tenantID), settingsSK, "settings", &r)
	if partners.IsKind(err, partners.NotFound) {
		return partners.DefaultSettings(), nil
	}
	if err != nil {
		return partners.Settings{}, err
	}
	return r.domain(), nil
}

func (r settingsRecord) domain() partners.Settings {
	st := partners.Settings{
		InviteTTLHours: r.InviteTTLHours, Roles: r.Roles,
		Branding:   partners.Branding{LogoURL: r.LogoURL, AccentColor: r.AccentColor},
		Email:      emails.Templates{Subject: r.EmailSubject, HTML: r.EmailHTML, Text: r.EmailText},
		NamedEmail: namedTemplatesOf(r.NamedEmail),
		PortalURL:  r.PortalURL, SelfServiceRenewal: r.SelfService, UpdatedAt: r.UpdatedAt,
		SendLimits:    partners.SendLimits{EmailsPerHour: r.EmailsPerHour, EmailsPerRecipientPerDay: r.EmailsPerDay}.WithDefaults(),
		RetentionDays: r.RetentionDays, PartnerForm: formOf(r.PartnerForm, r.FormReview),
	}
	if st.RetentionDays == 0 {
		st.RetentionDays = partners.DefaultRetentionDays // saved before retention was a setting
	}
	return st
}

// PutSettings replaces a tenant's settings.
func (s *Store) PutSettings(ctx context.Context, tenantID string, st partners.Settings) error {
	item, err := attributevalue.MarshalMap(settingsRecord{
		keys: keys{PK: tenantPK(tenantID), SK: settingsSK}, Type: TypeSettings,
		InviteTTLHours: st.InviteTTLHours, Roles: st.Roles,
		LogoURL: st.Branding.LogoURL, AccentColor: st.Branding.AccentColor,
		EmailSubject: st.Email.Subject, EmailHTML: st.Email.HTML, EmailText: st.Email.Text,
		NamedEmail: newTemplateRecords(st.NamedEmail),
		PortalURL:  st.PortalURL, SelfService: st.SelfServiceRenewal, UpdatedAt: st.UpdatedAt,
		EmailsPerHour: st.SendLimits.EmailsPerHour, EmailsPerDay: st.SendLimits.EmailsPerRecipientPerDay,
		RetentionDays: st.RetentionDays,
		PartnerForm:   newFormRecords(st.PartnerForm), FormReview: st.PartnerForm.ReviewRequired,
	})
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put settings of %s: %w", tenantID, err)
	}
	return nil
}
