// Package pages renders the activation pages partners see when they open
// the link in an invitation: server-rendered HTML with embedded CSS, no
// third-party assets, usable without JavaScript and on a phone. Inline style
// and script carry a per-response nonce, so the Content-Security-Policy
// needs no 'unsafe-inline'.
package pages

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	template "github.com/partnerinvites/partnerinvites/third_party/gotemplate/html"

	"github.com/partnerinvites/partnerinvites/internal/emails"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

//go:embed templates/page.html.tmpl
var files embed.FS

// page is parsed on first use, not at init: most functions that link this
// package (every API route does) never render a page, and a cold start
// should not pay for it.
//
// Not sync.OnceValue: its generic wrapper puts *template.Template in an
// interface, which makes the linker keep the template's Execute — and the
// reflection that then keeps every exported SDK method — in every function
// that links this package, rendering or not.
var (
	pageOnce sync.Once
	pageTmpl *template.Template
)

func page() *template.Template {
	pageOnce.Do(func() {
		pageTmpl = template.Must(template.New("page.html.tmpl").ParseFS(files, "templates/page.html.tmpl"))
	})
	return pageTmpl
}

// Page is a rendered page with the headers it must be sent with.
type Page struct {
	Status  int
	Headers map[string]string
	Body    string
}

// Nonce returns a fresh CSP nonce, in the URL-safe base64 that CSP admits
// and that HTML attributes carry unescaped.
func Nonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecurityHeaders are sent with every page: a strict CSP keyed to the
// page's nonce, no referrer (the URL holds the token), no framing, no
// caching.
func SecurityHeaders(nonce string) map[string]string {
	return map[string]string{
		"Content-Type": "text/html; charset=utf-8",
		"Content-Security-Policy": fmt.Sprintf("default-src 'none'; style-src 'nonce-%s'; script-src 'nonce-%s'; img-src https: data:; "+
			"form-action 'self'; base-uri 'none'; frame-ancestors 'none'", nonce, nonce),
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	}
}

type rule struct{ ID, Text string }

type policyData struct {
	MinLength int
	Rules     []rule
}

func policyOf(p partners.PasswordPolicy) policyData {
	d := policyData{MinLength: p.MinLength, Rules: []rule{{"length", fmt.Sprintf("At least %d characters", p.MinLength)}}}
	if p.RequireLowercase {
		d.Rules = append(d.Rules, rule{"lower", "A lower-case letter"})
	}
	if p.RequireUppercase {
		d.Rules = append(d.Rules, rule{"upper", "An upper-case letter"})
	}
	if p.RequireDigit {
		d.Rules = append(d.Rules, rule{"digit", "A digit"})
	}
	return d
}

type data struct {
	Kind        string // "activate" or "message"
	Title       string
	Nonce       string
	Accent      template.CSS
	TenantName  string
	LogoURL     string
	PartnerName string
	InviterName string
	Role        string
	Email       string
	FirstName   string
	LastName    string
	ExpiresAt   string
	ExpiresIn   string
	Action      string
	CSRF        string
	Error       string
	Policy      policyData
	Heading     string
	Paragraphs  []string
	HasLogin    bool
	LinkURL     string
	LinkText    string
	RenewAction string
	// DeclineAction is the decline form's action (its confirmation page);
	// DeclineURL the activation page's link to that page.
	DeclineAction string
	DeclineURL    string
	// The partner form (Kind "form"): its questions, the session that
	// proves who posts it, and (on other pages) the button that opens it.
	Questions      []questionData
	Session        string
	SessionExpires string
	FormAction     string
	// ForgotURL links to the tenant's "forgot your password?" page.
	ForgotURL string
}

func render(status int, nonce string, d data) Page {
	d.Nonce = nonce
	if d.Accent == "" {
		d.Accent = template.CSS(emails.DefaultAccentColor)
	}
	var b bytes.Buffer
	if err := page().Execute(&b, d); err != nil {
		// The template and its data are ours: a failure is a defect.
		return Page{Status: http.StatusInternalServerError, Headers: SecurityHeaders(nonce), Body: "<!DOCTYPE html><title>Error</title><p>Something went wrong on our side."}
	}
	return Page{Status: status, Headers: SecurityHeaders(nonce), Body: b.String()}
}

// accent returns a tenant's colour for CSS; settings only admit #rrggbb.
func accent(b partners.Branding) template.CSS {
	if b.AccentColor == "" {
		return template.CSS(emails.DefaultAccentColor)
	}
	return template.CSS(b.AccentColor)
}

// Activation renders the page of a live link: who invited the person to
// what, until when, and the form to set a password.
func Activation(v partners.ActivationView, action, csrf, formError string, policy partners.PasswordPolicy, now time.Time) Page {
	inv := v.Invitation
	return render(http.StatusOK, Nonce(), data{
		Kind: "activate", Title: "Join " + v.PartnerName, Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, PartnerName: v.PartnerName, InviterName: v.InviterName,
		Role: inv.Role, Email: inv.Email, FirstName: v.FirstName, LastName: v.LastName,
		ExpiresAt: emails.FormatExpiry(inv.ExpiresAt), ExpiresIn: emails.Lifetime(inv.ExpiresAt.Sub(now)),
		Action: action, CSRF: csrf, Error: formError, Policy: policyOf(policy), HasLogin: v.HasLogin,
		DeclineURL: declineAction(v), ForgotURL: forgotURL(v),
	})
}

// declineAction is the decline page's address, relative to the page's own
// /activate/{token} (or to /activate/{token}/decline itself: the last
// segment is replaced).
func declineAction(v partners.ActivationView) string {
	return v.Token + "/decline"
}

// DeclineConfirm renders the page of "This isn't for me": what declining
// means, and a button that posts it. Opening it changes nothing, so that
// a mail scanner following the email's link declines nothing.
func DeclineConfirm(v partners.ActivationView, csrf string) Page {
	return render(http.StatusOK, Nonce(), data{
		Kind: "message", Title: "Decline the invitation", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "Not for you?",
		Paragraphs: []string{
			fmt.Sprintf("%s invited %s to join %s on the %s partner portal.", v.InviterName, v.Invitation.Email, v.PartnerName, v.TenantName),
			fmt.Sprintf("If this invitation isn't for you, decline it: the link stops working and %s is told. Nothing else happens.", v.InviterName),
		},
		DeclineAction: "decline", CSRF: csrf,
	})
}

// Declined renders the page after a decline.
func Declined(v partners.ActivationView) Page {
	return render(http.StatusOK, Nonce(), data{
		Kind: "message", Title: "Invitation declined", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "You declined the invitation",
		Paragraphs: []string{
			fmt.Sprintf("%s has been told. The link no longer works.", v.InviterName),
			"If this was a mistake, ask them for a new invitation.",
		},
	})
}

// WithStatus returns the page with another status: a form sent back with
// an error is a 400, one with a stale CSRF token a 403.
func (p Page) WithStatus(status int) Page {
	p.Status = status
	return p
}

// Accepted renders the page after a successful acceptance.
func Accepted(v partners.ActivationView, redirectURL string) Page {
	d := data{
		Kind: "message", Title: "Welcome to " + v.PartnerName, Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "You're in",
		Paragraphs: []string{fmt.Sprintf("You joined %s on the %s partner portal as %s.", v.PartnerName, v.TenantName, v.Invitation.Role)},
	}
	if redirectURL != "" {
		d.LinkURL, d.LinkText = redirectURL, "Go to the partner portal"
	} else {
		d.Paragraphs = append(d.Paragraphs, fmt.Sprintf("Sign in to the partner portal with %s and your password.", v.Invitation.Email))
	}
	return render(http.StatusOK, Nonce(), d)
}

// Dead renders the page of a link that no longer works, saying which case
// it is and what to do, in the tenant's colours. An expired link's page
// offers to send a new link (a form carrying csrf).
func Dead(v partners.ActivationView, csrf string) Page {
	d := data{Kind: "message", Accent: accent(v.Branding), TenantName: v.TenantName, LogoURL: v.Branding.LogoURL}
	switch v.Dead {
	case "expired":
		d.Title, d.Heading = "Invitation expired", "This invitation has expired"
		d.Paragraphs = []string{
			fmt.Sprintf("The invitation to join %s expired on %s.", v.PartnerName, emails.FormatExpiry(v.Invitation.ExpiresAt)),
			fmt.Sprintf("You can ask for a new link: %s will be told, and a new invitation may be sent to %s.", v.InviterName, v.Invitation.Email),
		}
		d.RenewAction, d.CSRF = renewAction(v), csrf
		if v.HasLogin {
			// They have a login here already: what they may want is a
			// new password, not a new invitation.
			d.Paragraphs = append(d.Paragraphs, fmt.Sprintf("You already have a login for %s at %s: if you forgot its password, you can set a new one.", v.Invitation.Email, v.TenantName))
			d.ForgotURL = forgotURL(v)
		}
	case "revoked":
		d.Title, d.Heading = "Invitation withdrawn", "This invitation was withdrawn"
		d.Paragraphs = []string{
			fmt.Sprintf("%s withdrew the invitation to join %s, so this link no longer works.", v.InviterName, v.PartnerName),
			"If you think this is a mistake, contact them.",
		}
	case "declined":
		d.Title, d.Heading = "Invitation declined", "This invitation was declined"
		d.Paragraphs = []string{
			fmt.Sprintf("The invitation to join %s was declined, so this link no longer works.", v.PartnerName),
			fmt.Sprintf("If this was a mistake, ask %s for a new invitation.", v.InviterName),
		}
	case "accepted":
		d.Title, d.Heading = "Invitation already accepted", "This invitation was already accepted"
		d.Paragraphs = []string{
			fmt.Sprintf("This link has been used to join %s; each link works once.", v.PartnerName),
			"Sign in to the partner portal with the login you created.",
		}
		if v.FormPending {
			d.Paragraphs = append(d.Paragraphs, fmt.Sprintf("%s's partner profile is not complete yet.", v.PartnerName))
			d.FormAction = formAction(v)
		}
	case "partner_inactive":
		d.Title, d.Heading = "Partner portal closed", "The partner portal of "+v.PartnerName+" is closed"
		d.Paragraphs = []string{
			fmt.Sprintf("%s has made %s inactive, so this link no longer works.", v.TenantName, v.PartnerName),
			fmt.Sprintf("If you think this is a mistake, contact %s.", v.InviterName),
		}
	case "portal_access_off":
		d.Title, d.Heading = "Partner portal not open", "The partner portal of "+v.PartnerName+" is not open"
		d.Paragraphs = []string{
			fmt.Sprintf("%s has not opened the partner portal to %s, so this link does not work now.", v.TenantName, v.PartnerName),
			fmt.Sprintf("If you think this is a mistake, contact %s.", v.InviterName),
		}
	case "partner_rejected":
		return rejected(v.TenantName, v.Branding, v.PartnerName, v.RejectionReason)
	default: // replaced
		d.Title, d.Heading = "Link replaced", "This link was replaced by a newer one"
		d.Paragraphs = []string{
			fmt.Sprintf("A newer invitation to join %s was sent to %s. Use the link in the latest email.", v.PartnerName, v.Invitation.Email),
		}
	}
	return render(http.StatusGone, Nonce(), d)
}

// Unknown renders the page of a link we never made. It names no tenant: we
// cannot know whose it was meant to be.
func Unknown() Page {
	return render(http.StatusNotFound, Nonce(), data{
		Kind: "message", Title: "Link not valid", Heading: "This link is not valid",
		Paragraphs: []string{
			"Check that you copied the whole link from the invitation email, or open it from the email again.",
			"If it still does not work, ask the person who invited you for a new invitation.",
		},
	})
}

// Failure renders the page of an error on our side.
func Failure() Page {
	return render(http.StatusInternalServerError, Nonce(), data{
		Kind: "message", Title: "Something went wrong", Heading: "Something went wrong on our side",
		Paragraphs: []string{"Please try again in a moment. Your invitation is unchanged."},
	})
}

// formAction is the partner form's action, relative to the page's own
// /activate/{token}.
func formAction(v partners.ActivationView) string {
	return v.Token + "/form"
}

// forgotURL is the tenant's "forgot your password?" page, relative to the
// page's own /activate/{token}, for a person with a login there; "" for
// anyone else.
func forgotURL(v partners.ActivationView) string {
	if !v.HasLogin {
		return ""
	}
	return "../" + partners.ForgotPasswordPath(v.Invitation.TenantID)
}

// renewAction is the renewal form's action, relative to the page's own
// /activate/{token}, so that it works under any API stage or domain.
func renewAction(v partners.ActivationView) string {
	return v.Token + "/renew"
}

// Renewal renders the answer to "send me a new link": sent, recorded for the
// tenant, or asked too recently.
func Renewal(v partners.ActivationView, outcome string) Page {
	d := data{Kind: "message", Accent: accent(v.Branding), TenantName: v.TenantName, LogoURL: v.Branding.LogoURL}
	switch outcome {
	case "sent":
		d.Title, d.Heading = "New link sent", "A new link is on its way"
		d.Paragraphs = []string{fmt.Sprintf("We sent a new invitation to %s. It can take a minute to arrive; the old link no longer works.", v.Invitation.Email)}
	case "recorded":
		d.Title, d.Heading = "Request sent", "We asked for a new link"
		d.Paragraphs = []string{fmt.Sprintf("%s can see that you asked for a new invitation to join %s, and will send it to %s.", v.InviterName, v.PartnerName, v.Invitation.Email)}
	default:
		d.Title, d.Heading = "Already asked", "You asked for a new link a few minutes ago"
		d.Paragraphs = []string{"Please check your email, or try again in a few minutes."}
	}
	return render(http.StatusOK, Nonce(), d)
}
