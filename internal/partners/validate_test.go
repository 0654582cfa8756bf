package partners

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/partnerinvites/partnerinvites/internal/phones"
)

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"ada@acme.example", true},
		{"Ada.Lovelace+partners@Acme.Example", true},
		{"", false},
		{"ada", false},
		{"ada@localhost", false},
		{"Ada <ada@acme.example>", false},
		{"ada@acme.example.", false},
		{"ada@@acme.example", false},
		{" ada@acme.example", false},
		{strings.Repeat("a", 250) + "@b.co", false},
	}
	for _, tt := range tests {
		if got := ValidEmail(tt.in); got != tt.want {
			t.Errorf("ValidEmail(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCountry(t *testing.T) {
	for in, want := range map[string]string{"de": "DE", "US": "US", " gb ": "GB"} {
		if got, ok := NormalizeCountry(in); !ok || got != want {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "XX", "DEU", "Germany", "U"} {
		if got, ok := NormalizeCountry(in); ok {
			t.Errorf("NormalizeCountry(%q) = %q, want not ok", in, got)
		}
	}
}

// fields returns the field names of an Invalid error, in order.
func fields(t *testing.T, err error) []string {
	t.Helper()
	e, ok := err.(*Error)
	if !ok || e.Kind != Invalid {
		t.Fatalf("want an Invalid *Error, got %v", err)
	}
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Field)
	}
	return names
}

func TestNormalizeProfileNamesEveryBadField(t *testing.T) {
	p := Partner{
		Name:     strings.Repeat("x", 201),
		Status:   "archived",
		Programs: []string{"Reseller", "", "reseller"},
		Country:  "XX",
		City:     strings.Repeat("c", 101),
		LogoURL:  "http://acme.example/logo.png",
		PrimaryContact: &Contact{
			FirstName: "Ada\x00", Email: "not-an-email", Phone: "12",
		},
	}
	got := fields(t, normalizeProfile(&p, phones.Normalize))
	want := []string{
		"name", "status", "programs[1]", "programs[2]", "country", "city", "logo_url",
		"primary_contact.first_name", "primary_contact.email", "primary_contact.phone",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestNormalizeProfileCanonicalises(t *testing.T) {
	p := Partner{
		Name: "  Acme  ", Status: PartnerActive, Programs: []string{" reseller "}, Country: "de",
		City: " Berlin ", LogoURL: " https://acme.example/logo.png ",
		PrimaryContact: &Contact{FirstName: " Ada ", Email: " Ada@Acme.example ", Phone: "030 901820"},
	}
	if err := normalizeProfile(&p, phones.Normalize); err != nil {
		t.Fatal(err)
	}
	want := Partner{
		Name: "Acme", Status: PartnerActive, Programs: []string{"reseller"}, Country: "DE",
		City: "Berlin", LogoURL: "https://acme.example/logo.png",
		PrimaryContact: &Contact{FirstName: "Ada", Email: "Ada@Acme.example", Phone: "+4930901820"},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("normalized (-want +got):\n%s", diff)
	}
}

func TestRolePermissions(t *testing.T) {
	tests := []struct {
		role Role
		perm Permission
		want bool
	}{
		{RoleAdmin, PermManageSettings, true},
		{RoleManager, PermWritePartners, true},
		{RoleManager, PermInvite, true},
		{RoleManager, PermManageSettings, false},
		{RoleViewer, PermRead, true},
		{RoleViewer, PermWritePartners, false},
		{RoleViewer, PermInvite, false},
		{Role("owner"), PermRead, false},
	}
	for _, tt := range tests {
		if got := tt.role.Can(tt.perm); got != tt.want {
			t.Errorf("%s.Can(%s) = %v, want %v", tt.role, tt.perm, got, tt.want)
		}
	}
}

func TestNormalizeEmailFoldsNothingOntoASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{" Ada@Acme.Example ", "ada@acme.example"},
		{"\u212Aate@x.com", "\u212Aate@x.com"},    // KELVIN SIGN stays: it is not k (NFC alone would make it K)
		{"\u0130lker@x.com", "\u0130lker@x.com"},  // İ stays: it is not i
		{"Ze\u0301lie@x.com", "z\u00e9lie@x.com"}, // composed (NFC), then lower-cased
		{"\u00c9MILE@X.COM", "\u00e9mile@x.com"},  // É lower-cases to é, not to e
		{"\uff41da@x.com", "\uff41da@x.com"},      // FULLWIDTH a is not folded to a
	}
	for _, tt := range tests {
		if got := NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if NormalizeEmail("\u212Aate@x.com") == NormalizeEmail("kate@x.com") {
		t.Error("KELVIN SIGN collides with k")
	}
}
