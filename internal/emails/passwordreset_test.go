package emails

import (
	"strings"
	"testing"
)

func TestRenderPasswordResetShowsTheLinkInTheTenantsColours(t *testing.T) {
	d := SampleData()
	d.Link = "https://partners.acme.example/reset-password/sample"
	d.AccentColor = "#0b7285"
	d.ExpiresIn = "1 hour"
	m, err := RenderPasswordReset(d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body, want string
	}{
		{"subject names the tenant", m.Subject, "Reset your password for the Acme SaaS partner portal"},
		{"text has the link", m.Text, d.Link},
		{"html has the link", m.HTML, `href="` + d.Link + `"`},
		{"html has the accent", m.HTML, "background:#0b7285"},
		{"text has the lifetime", m.Text, "expires in 1 hour"},
		{"html names the address", m.HTML, d.Email},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, tt.want) {
				t.Errorf("%q does not contain %q", tt.body, tt.want)
			}
		})
	}
	if strings.Contains(m.Text, "invited") {
		t.Errorf("the reset email speaks of an invitation: %q", m.Text)
	}
}
