package pages

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The partner form's pages: the form an invited partner's admin fills in
// after activating, the sign-in that leads back to it, and what follows.
// The form's fields are named "answers.<key>".

type questionData struct {
	Name     string
	Label    string
	Help     string
	Type     string
	Required bool
	Text     string
	Checked  bool
	Choices  []choiceData
	Error    string
}

type choiceData struct {
	Name     string
	Value    string
	Selected bool
}

// AnswerField is the form field of a question's answer.
func AnswerField(key string) string { return "answers." + key }

// FormSession is what a form page carries to prove that its post comes from
// the person it was shown to: a MAC and its expiry.
type FormSession struct {
	MAC     string
	Expires time.Time
}

// PartnerForm renders the tenant's partner form for a partner admin, with
// the values already given and an error under each bad answer.
func PartnerForm(v partners.PartnerFormView, action string, session FormSession, values partners.FormInput, fieldErrors map[string]string, formError string) Page {
	d := data{
		Kind: "form", Title: "About " + v.Partner.Name, Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "Tell " + v.TenantName + " about " + v.Partner.Name,
		Paragraphs: []string{"Your answers complete " + v.Partner.Name + "'s partner profile. Questions marked * must be answered."},
		Action:     action, Error: formError, Session: session.MAC, SessionExpires: strconv.FormatInt(session.Expires.Unix(), 10),
	}
	for _, q := range v.Form.Questions {
		given := values[q.Key]
		qd := questionData{
			Name: AnswerField(q.Key), Label: q.Label, Help: q.Help, Type: string(q.Type), Required: q.Required,
			Error: fieldErrors[AnswerField(q.Key)],
		}
		if len(given) > 0 {
			qd.Text = given[0]
			qd.Checked = given[0] == "true" || given[0] == "on"
		}
		for _, c := range q.Choices {
			selected := false
			for _, g := range given {
				selected = selected || g == c
			}
			qd.Choices = append(qd.Choices, choiceData{Name: qd.Name, Value: c, Selected: selected})
		}
		d.Questions = append(d.Questions, qd)
	}
	status := http.StatusOK
	if len(fieldErrors) > 0 || formError != "" {
		status = http.StatusBadRequest
	}
	return render(status, Nonce(), d)
}

// FormSignIn renders the sign-in that leads back to the partner form.
func FormSignIn(v partners.ActivationView, action, formError string) Page {
	d := data{
		Kind: "signin", Title: "Sign in", Accent: accent(v.Branding), TenantName: v.TenantName, LogoURL: v.Branding.LogoURL,
		Heading: "Sign in to complete " + v.PartnerName + "'s profile", Email: v.Invitation.Email, Action: action, Error: formError,
		Paragraphs: []string{"Sign in with the password you chose when you joined."},
	}
	status := http.StatusOK
	if formError != "" {
		status = http.StatusBadRequest
	}
	return render(status, Nonce(), d)
}

// FormState renders where a partner's onboarding stands once the form is
// not (or no longer) to be filled in: approved, in review, rejected.
func FormState(v partners.PartnerFormView) Page {
	p := v.Partner
	d := data{Kind: "message", Accent: accent(v.Branding), TenantName: v.TenantName, LogoURL: v.Branding.LogoURL}
	switch p.OnboardingStatus {
	case partners.OnboardingInReview:
		d.Title, d.Heading = "Thank you", "Thank you: "+v.TenantName+" is reviewing "+p.Name
		d.Paragraphs = []string{fmt.Sprintf("%s will review your answers and let you know.", v.TenantName)}
	case partners.OnboardingPending:
		d.Title, d.Heading = "You're in", "You joined "+p.Name
		d.Paragraphs = []string{fmt.Sprintf("%s's partner profile is still to be completed by one of its admins.", p.Name)}
	case partners.OnboardingRejected:
		return rejected(v.TenantName, v.Branding, p.Name, p.RejectionReason)
	default:
		d.Title, d.Heading = "Welcome", p.Name+" is approved"
		d.Paragraphs = []string{fmt.Sprintf("%s is now a partner of %s.", p.Name, v.TenantName)}
	}
	if v.PortalURL != "" {
		d.LinkURL, d.LinkText = v.PortalURL, "Go to the partner portal"
	}
	return render(http.StatusOK, Nonce(), d)
}

func rejected(tenantName string, b partners.Branding, partnerName, reason string) Page {
	d := data{
		Kind: "message", Title: "Application not approved", Accent: accent(b), TenantName: tenantName, LogoURL: b.LogoURL,
		Heading:    partnerName + " was not approved",
		Paragraphs: []string{fmt.Sprintf("%s did not approve %s as a partner, so its partner portal is closed.", tenantName, partnerName)},
	}
	if reason != "" {
		d.Paragraphs = append(d.Paragraphs, "Their reason: "+reason)
	}
	return render(http.StatusForbidden, Nonce(), d)
}
