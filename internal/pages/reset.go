package pages

import (
	"fmt"
	"net/http"

	"github.com/partnerinvites/partnerinvites/internal/emails"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ForgotPassword renders a tenant's "forgot your password?" page: the
// form that asks for an email address, in the tenant's colours.
func ForgotPassword(v partners.ForgotPasswordView, email, formError string) Page {
	return render(http.StatusOK, Nonce(), data{
		Kind: "forgot", Title: "Forgot your password?", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Email: email, Error: formError,
	})
}

// ForgotPasswordSent renders the one answer to every well-formed request,
// whether or not the address has a login at the tenant, and whether or not
// it was over a limit: it names no address and says nothing of logins.
func ForgotPasswordSent(v partners.ForgotPasswordView) Page {
	return render(http.StatusOK, Nonce(), data{
		Kind: "message", Title: "Check your email", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "Check your email",
		Paragraphs: []string{
			"If that address has a login here, we've emailed it a link to set a new password. The link works once, for " +
				emails.Lifetime(partners.PasswordResetLifetime) + ".",
			"No email after a few minutes? Check your spam folder, or ask again later.",
		},
	})
}

// ResetForm renders the page of a live reset link: the new password and
// its repetition, under the product's policy. Opening it changes nothing.
func ResetForm(v partners.ResetView, csrf, formError string, policy partners.PasswordPolicy) Page {
	return render(http.StatusOK, Nonce(), data{
		Kind: "reset", Title: "Set a new password", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Email: v.Email, ExpiresAt: emails.FormatExpiry(v.ExpiresAt),
		CSRF: csrf, Error: formError, Policy: policyOf(policy),
	})
}

// ResetDone renders the page after a new password was set. It says
// whether the login's other sessions were ended, as it is.
func ResetDone(v partners.ResetView, signedOut bool) Page {
	d := data{
		Kind: "message", Title: "Password changed", Accent: accent(v.Branding),
		TenantName: v.TenantName, LogoURL: v.Branding.LogoURL, Heading: "Your password was changed",
		Paragraphs: []string{fmt.Sprintf("Sign in to the %s partner portal with %s and your new password.", v.TenantName, v.Email)},
	}
	if signedOut {
		d.Paragraphs = append(d.Paragraphs, "Everywhere you were signed in, you will be asked to sign in again.")
	} else {
		d.Paragraphs = append(d.Paragraphs, "Sessions signed in before the change may stay signed in until they expire.")
	}
	return render(http.StatusOK, Nonce(), d)
}

// ResetDead renders the page of a reset link that no longer works (410),
// with a way to ask for a new one.
func ResetDead(v partners.ResetView) Page {
	d := data{
		Kind: "message", Accent: accent(v.Branding), TenantName: v.TenantName, LogoURL: v.Branding.LogoURL,
		LinkURL: "../" + partners.ForgotPasswordPath(v.TenantID), LinkText: "Ask for a new link",
	}
	switch v.Dead {
	case "used":
		d.Title, d.Heading = "Link already used", "This link was already used"
		d.Paragraphs = []string{"Each password reset link works once. If you did not change your password, ask for a new link."}
	case "expired":
		d.Title, d.Heading = "Link expired", "This link has expired"
		d.Paragraphs = []string{fmt.Sprintf("Password reset links work for %s. Ask for a new one.", emails.Lifetime(partners.PasswordResetLifetime))}
	case "replaced":
		d.Title, d.Heading = "Link replaced", "This link was replaced by a newer one"
		d.Paragraphs = []string{"A newer password reset link was emailed to you. Use the link in the latest email."}
	default: // unavailable
		d.Title, d.Heading = "Link no longer works", "This link no longer works"
		d.Paragraphs = []string{fmt.Sprintf("The login it was for can no longer sign in to the %s partner portal. Contact them if you think this is a mistake.", v.TenantName)}
		d.LinkURL, d.LinkText = "", ""
	}
	return render(http.StatusGone, Nonce(), d)
}

// UnknownPage renders the page of a reset link or a tenant page we do not
// have (404). It names no tenant.
func UnknownPage() Page {
	return render(http.StatusNotFound, Nonce(), data{
		Kind: "message", Title: "Page not found", Heading: "This link is not valid",
		Paragraphs: []string{"Check that you copied the whole link from the email, or open it from the email again."},
	})
}
