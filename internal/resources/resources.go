// Package resources is the JSON form of the API's objects — partners,
// partner users, invitations, webhook endpoints — in one place, so that a response, a webhook
// and an audit-trail event show an object alike.
package resources

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Nullable is null for "": absent optional values are null, as in Stripe's
// API, so that every field is always present.
func Nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TimeOrNull is null for the zero time.
func TimeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Delivery is an invitation's email delivery.
type Delivery struct {
	Status        string     `json:"status"`
	MessageID     *string    `json:"message_id"`
	Attempts      int        `json:"attempts"`
	LastError     *string    `json:"last_error"`
	FailureReason *string    `json:"failure_reason"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	QueuedAt      *time.Time `json:"queued_at"`
	SentAt        *time.Time `json:"sent_at"`
	// ReportedAt is when SES last reported on the message; BounceType
	// (permanent, transient, undetermined) and BounceSubType describe a
	// bounce.
	ReportedAt    *time.Time `json:"reported_at"`
	BounceType    *string    `json:"bounce_type"`
	BounceSubType *string    `json:"bounce_sub_type"`
}

// Invitation is an invitation as the API returns it.
type Invitation struct {
	Object      string    `json:"object"`
	ID          string    `json:"id"`
	PartnerID   string    `json:"partner_id"`
	UserID      string    `json:"user_id"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	ExpiresAt   time.Time `json:"expires_at"`
	SendCount   int       `json:"send_count"`
	InviterName *string   `json:"inviter_name"`
	RedirectURL *string   `json:"redirect_url"`
	// Template is the named email template the invitation is emailed
	// with; null for the default.
	Template   *string    `json:"template"`
	Delivery   Delivery   `json:"delivery"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	DeclinedAt *time.Time `json:"declined_at"`
	// RenewalRequestedAt is when the invitee asked for a new link from the
	// page of the expired one.
	RenewalRequestedAt *time.Time `json:"renewal_requested_at"`
	ActivationURL      *string    `json:"activation_url,omitempty"`
}

// InvitationOf is an invitation as the API shows it at now (its status is
// its StatusAt now), with its activation link when the caller may see it.
func InvitationOf(inv partners.Invitation, now time.Time, link string) Invitation {
	d := inv.Delivery
	return Invitation{
		Object: "invitation", ID: inv.ID, PartnerID: inv.PartnerID, UserID: inv.UserID, Email: inv.Email, Role: inv.Role,
		Status: string(inv.StatusAt(now)), ExpiresAt: inv.ExpiresAt, SendCount: inv.SendSeq,
		InviterName: Nullable(inv.InviterName), RedirectURL: Nullable(inv.RedirectURL), Template: Nullable(inv.Template),
		Delivery: Delivery{
			Status: string(d.Status), MessageID: Nullable(d.MessageID), Attempts: d.Attempts,
			LastError: Nullable(d.LastError), QueuedAt: TimeOrNull(d.QueuedAt), SentAt: TimeOrNull(d.SentAt),
			FailureReason: Nullable(string(d.FailureReason)), NextAttemptAt: TimeOrNull(d.NextAttemptAt),
			ReportedAt: TimeOrNull(d.ReportedAt), BounceType: Nullable(string(d.BounceType)), BounceSubType: Nullable(d.BounceSubType),
		},
		CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt,
		AcceptedAt: TimeOrNull(inv.AcceptedAt), RevokedAt: TimeOrNull(inv.RevokedAt), DeclinedAt: TimeOrNull(inv.DeclinedAt), ActivationURL: Nullable(link),
		RenewalRequestedAt: TimeOrNull(inv.RenewalRequestedAt),
	}
}

// PartnerUser is a partner user as the API returns it.
type PartnerUser struct {
	Object       string  `json:"object"`
	ID           string  `json:"id"`
	PartnerID    string  `json:"partner_id"`
	Email        string  `json:"email"`
	FirstName    *string `json:"first_name"`
	LastName     *string `json:"last_name"`
	JobTitle     *string `json:"job_title"`
	Phone        *string `json:"phone"`
	Role         string  `json:"role"`
	Status       string  `json:"status"`
	InvitationID string  `json:"invitation_id"`
	// EmailBouncedAt is when email to the address bounced for good, and
	// EmailComplainedAt when the person marked one as spam: mailing them
	// needs "force". A later delivery clears both.
	EmailBouncedAt    *time.Time `json:"email_bounced_at"`
	EmailComplainedAt *time.Time `json:"email_complained_at"`
	// PasswordResetAt is when the person last set a new password with a
	// reset link.
	PasswordResetAt *time.Time `json:"password_reset_at"`
	// PortalAccess says whether the person can sign in to the portal:
	// true once active, false when the tenant turned it off (disabled) or
	// removed them; null while they are invited.
	PortalAccess *bool `json:"portal_access"`
	// MovedFrom is the partner the tenant last moved them from.
	MovedFrom *string   `json:"moved_from"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func portalAccess(s partners.UserStatus) *bool {
	if s == partners.UserInvited {
		return nil
	}
	on := s == partners.UserActive
	return &on
}

// PartnerUserOf is a partner user as the API shows it.
func PartnerUserOf(u partners.PartnerUser) PartnerUser {
	return PartnerUser{
		Object: "partner_user", ID: u.ID, PartnerID: u.PartnerID, Email: u.Email,
		FirstName: Nullable(u.FirstName), LastName: Nullable(u.LastName), JobTitle: Nullable(u.JobTitle), Phone: Nullable(u.Phone),
		Role: u.Role, Status: string(u.Status), InvitationID: u.InvitationID, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		EmailBouncedAt: TimeOrNull(u.EmailBouncedAt), EmailComplainedAt: TimeOrNull(u.EmailComplainedAt),
		PasswordResetAt: TimeOrNull(u.PasswordResetAt), PortalAccess: portalAccess(u.Status), MovedFrom: Nullable(u.MovedFrom),
	}
}

// Contact is a contact as the API reads and writes it.
type Contact struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     string  `json:"email"`
	JobTitle  *string `json:"job_title"`
	Phone     *string `json:"phone"`
}

// ContactOf is a contact as the API shows it.
func ContactOf(c *partners.Contact) *Contact {
	if c == nil {
		return nil
	}
	return &Contact{
		FirstName: Nullable(c.FirstName), LastName: Nullable(c.LastName), Email: c.Email,
		JobTitle: Nullable(c.JobTitle), Phone: Nullable(c.Phone),
	}
}

// Partner is a partner as the API returns it. Absent optional values are
// null, as in Stripe's API, so that every field is always present.
type Partner struct {
	Object           string   `json:"object"`
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Status           string   `json:"status"`
	OnboardingStatus string   `json:"onboarding_status"`
	Programs         []string `json:"programs"`
	Country          *string  `json:"country"`
	City             *string  `json:"city"`
	LogoURL          *string  `json:"logo_url"`
	PrimaryContact   *Contact `json:"primary_contact"`
	// PrimaryAdminUserID is the partner user who is its primary admin.
	PrimaryAdminUserID *string `json:"primary_admin_user_id"`
	// PortalAccess is false while the partner's people are kept out of
	// the portal (created without access, or access taken).
	PortalAccess    bool         `json:"portal_access"`
	FormAnswers     []FormAnswer `json:"form_answers"`
	FormSubmittedAt *time.Time   `json:"form_submitted_at"`
	ReviewedAt      *time.Time   `json:"reviewed_at"`
	RejectionReason *string      `json:"rejection_reason"`
	Grants          []Grant      `json:"grants"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
}

// FormAnswer is an answer to the partner form: the question's key, label
// and type when answered, and the value — a string, an array of strings
// (multi_choice) or a boolean (checkbox).
type FormAnswer struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// FormAnswersOf are a partner's answers as the API shows them.
func FormAnswersOf(answers []partners.FormAnswer) []FormAnswer {
	out := make([]FormAnswer, 0, len(answers))
	for _, a := range answers {
		var v any = a.Text
		switch a.Type {
		case partners.QuestionMultiChoice:
			choices := a.Choices
			if choices == nil {
				choices = []string{}
			}
			v = choices
		case partners.QuestionCheckbox:
			v = a.Checked
		}
		out = append(out, FormAnswer{Key: a.Key, Label: a.Label, Type: string(a.Type), Value: v})
	}
	return out
}

// Grant is a resource shared with a partner, as the API shows it.
type Grant struct {
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	Permission   string `json:"permission"`
}

// GrantsOf are grants as the API shows them: never null.
func GrantsOf(gs []partners.Grant) []Grant {
	out := make([]Grant, 0, len(gs))
	for _, g := range gs {
		out = append(out, Grant{ResourceType: g.ResourceType, ResourceID: g.ResourceID, Permission: g.Permission})
	}
	return out
}

// PartnerOf is a partner as the API shows it.
func PartnerOf(p partners.Partner) Partner {
	programs := p.Programs
	if programs == nil {
		programs = []string{}
	}
	return Partner{
		Object: "partner", ID: p.ID, Name: p.Name, Status: string(p.Status),
		OnboardingStatus: string(p.OnboardingStatus), Programs: programs,
		Country: Nullable(p.Country), City: Nullable(p.City), LogoURL: Nullable(p.LogoURL),
		PrimaryContact: ContactOf(p.PrimaryContact), Grants: GrantsOf(p.Grants), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		PrimaryAdminUserID: Nullable(p.PrimaryAdminUserID), PortalAccess: !p.PortalAccessOff, FormAnswers: FormAnswersOf(p.FormAnswers),
		FormSubmittedAt: TimeOrNull(p.FormSubmittedAt), ReviewedAt: TimeOrNull(p.ReviewedAt), RejectionReason: Nullable(p.RejectionReason),
	}
}

// Event is an event as the API, the webhooks and the bus show it.
type Event struct {
	Object    string          `json:"object"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	TenantID  string          `json:"tenant_id"`
	Subject   EventSubject    `json:"subject"`
	Actor     EventActor      `json:"actor"`
	Data      json.RawMessage `json:"data"`
}

// EventSubject names what an event is about, and what that belongs to.
type EventSubject struct {
	ID           string  `json:"id"`
	PartnerID    *string `json:"partner_id"`
	UserID       *string `json:"user_id"`
	InvitationID *string `json:"invitation_id"`
}

// EventActor is who caused an event: an API key, the partner user, or the
// system.
type EventActor struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
	Name *string `json:"name"`
}

// EventOf is a stored event as the API shows it.
func EventOf(e partners.Event) Event {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return Event{
		Object: "event", ID: e.ID, Type: string(e.Type), CreatedAt: e.At, TenantID: e.TenantID,
		Subject: EventSubject{ID: e.SubjectID, PartnerID: Nullable(e.PartnerID), UserID: Nullable(e.UserID), InvitationID: Nullable(e.InvitationID)},
		Actor:   EventActor{Type: string(e.Actor.Kind), ID: Nullable(e.Actor.ID), Name: Nullable(e.Actor.Name)},
		Data:    data,
	}
}

// EventJSON is an event's JSON as webhooks carry it: EventOf, encoded.
func EventJSON(e partners.Event) ([]byte, error) { return json.Marshal(EventOf(e)) }

// RenderObject is the JSON of an event's object (its Data), as the API
// showed that object at the event's time. It is the EventPublisher's Render.
func RenderObject(e partners.Event) (json.RawMessage, error) {
	var v any
	switch o := e.Object.(type) {
	case partners.Invitation:
		v = InvitationOf(o, e.At, "")
	case partners.PartnerUser:
		v = PartnerUserOf(o)
	case partners.Partner:
		v = PartnerOf(o)
	case partners.WebhookEndpoint:
		v = WebhookEndpointOf(o, e.At)
	default:
		return nil, fmt.Errorf("no JSON form for a %T", e.Object)
	}
	return json.Marshal(v)
}

// WebhookEndpoint is a webhook endpoint as the API returns it: never its
// secrets (the create and rotate answers add the new one, once).
type WebhookEndpoint struct {
	Object         string     `json:"object"`
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Description    *string    `json:"description"`
	Disabled       bool       `json:"disabled"`
	DisabledReason *string    `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops signing; null when none does.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

// WebhookEndpointOf is an endpoint as the API shows it at now.
func WebhookEndpointOf(e partners.WebhookEndpoint, now time.Time) WebhookEndpoint {
	events := e.Events
	if events == nil {
		events = []string{}
	}
	out := WebhookEndpoint{
		Object: "webhook_endpoint", ID: e.ID, URL: e.URL, Events: events, Description: Nullable(e.Description),
		Disabled: e.Disabled, DisabledReason: Nullable(string(e.DisabledReason)), FailingSince: TimeOrNull(e.FailingSince),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
	}
	for _, s := range e.Secrets {
		if !s.ExpiresAt.IsZero() && now.Before(s.ExpiresAt) {
			out.PreviousSecretExpiresAt = TimeOrNull(s.ExpiresAt)
		}
	}
	return out
}

// WebhookAttempt is one attempt of a delivery.
type WebhookAttempt struct {
	At         time.Time `json:"at"`
	StatusCode *int      `json:"response_code"`
	Error      *string   `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// WebhookDelivery is a delivery as the API returns it (without its body:
// the event is GET /v1/events's).
type WebhookDelivery struct {
	Object        string           `json:"object"`
	ID            string           `json:"id"`
	EndpointID    string           `json:"endpoint_id"`
	EventID       string           `json:"event_id"`
	EventType     string           `json:"event_type"`
	Status        string           `json:"status"`
	Attempts      int              `json:"attempts"`
	ResponseCode  *int             `json:"response_code"`
	LastError     *string          `json:"last_error"`
	LastAttemptAt *time.Time       `json:"last_attempt_at"`
	NextAttemptAt *time.Time       `json:"next_attempt_at"`
	History       []WebhookAttempt `json:"attempt_history"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// WebhookDeliveryOf is a delivery as the API shows it.
func WebhookDeliveryOf(d partners.WebhookDelivery) WebhookDelivery {
	out := WebhookDelivery{
		Object: "webhook_delivery", ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: string(d.EventType),
		Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: TimeOrNull(d.NextAttemptAt),
		History: []WebhookAttempt{}, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, a := range d.History {
		wa := WebhookAttempt{At: a.At, Error: Nullable(a.Error), DurationMS: a.DurationMS}
		if a.StatusCode != 0 {
			code := a.StatusCode
			wa.StatusCode = &code
		}
		out.History = append(out.History, wa)
	}
	if n := len(out.History); n > 0 {
		last := out.History[n-1]
		out.ResponseCode, out.LastError, out.LastAttemptAt = last.StatusCode, last.Error, &last.At
	}
	return out
}
