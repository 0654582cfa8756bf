package emails

import (
	"errors"
	"strings"
)

// RenderPasswordReset renders the password reset email for d (Link is the
// reset link; InviterName, PartnerName, Role and DeclineLink are unused)
// from the embedded templates, in the tenant's colours and logo. Tenants'
// own templates are for invitations only. It insists on the link, as
// Render does.
func RenderPasswordReset(d Data) (Message, error) {
	read := func(name string) string {
		b, err := defaults.ReadFile("templates/password_reset." + name + ".tmpl")
		if err != nil {
			panic("emails: embedded template missing: " + name) // a build defect, not input
		}
		return string(b)
	}
	if d.AccentColor == "" {
		d.AccentColor = DefaultAccentColor
	}
	subject, err := renderPart("subject", read("subject"), false, d, MaxRenderedSubject)
	if err != nil {
		return Message{}, err
	}
	text, err := renderPart("text", read("txt"), false, d, MaxRenderedText)
	if err != nil {
		return Message{}, err
	}
	html, err := renderPart("html", read("html"), true, d, MaxRenderedHTML)
	if err != nil {
		return Message{}, err
	}
	for part, body := range map[string]string{"text": text, "html": html} {
		if !strings.Contains(body, d.Link) {
			return Message{}, &RenderError{Part: part, Reason: ReasonNoLink, Err: errors.New("the rendered email does not show the reset link")}
		}
	}
	return Message{Subject: strings.Join(strings.Fields(subject), " "), HTML: html, Text: text}, nil
}
