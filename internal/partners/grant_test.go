package partners

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckGrantsNamesEveryBadGrant(t *testing.T) {
	ok := Grant{ResourceType: "dashboard", ResourceID: "team/dash-42@eu", Permission: "view"}
	many := make([]Grant, MaxGrants+1)
	for i := range many {
		many[i] = Grant{ResourceType: "process", ResourceID: "p-" + strings.Repeat("x", i+1), Permission: "view"}
	}
	tests := []struct {
		name   string
		grants []Grant
		want   []FieldError
	}{
		{"none", nil, nil},
		{"good", []Grant{ok, {ResourceType: "process", ResourceID: "p:1", Permission: "edit"}}, nil},
		{"the most allowed, each at its longest", largestGrants(), nil},
		{"missing parts", []Grant{{}}, []FieldError{
			{Field: "grants[0].resource_type", Code: "required"}, {Field: "grants[0].resource_id", Code: "required"},
			{Field: "grants[0].permission", Code: "required"},
		}},
		{"too long", []Grant{{ResourceType: strings.Repeat("t", 33), ResourceID: strings.Repeat("i", 65), Permission: strings.Repeat("p", 33)}}, []FieldError{
			{Field: "grants[0].resource_type", Code: "too_long"}, {Field: "grants[0].resource_id", Code: "too_long"},
			{Field: "grants[0].permission", Code: "too_long"},
		}},
		{"bad characters", []Grant{ok, {ResourceType: "dash board", ResourceID: `a"b`, Permission: "view/all"}}, []FieldError{
			{Field: "grants[1].resource_type", Code: "invalid_characters"}, {Field: "grants[1].resource_id", Code: "invalid_characters"},
			{Field: "grants[1].permission", Code: "invalid_characters"},
		}},
		{"not ASCII", []Grant{{ResourceType: "tableau", ResourceID: "café", Permission: "view"}}, []FieldError{
			{Field: "grants[0].resource_id", Code: "invalid_characters"},
		}},
		{"a repeat", []Grant{ok, {ResourceType: "process", ResourceID: "p", Permission: "view"}, ok}, []FieldError{
			{Field: "grants[2]", Code: "duplicate"},
		}},
		{"too many", many, []FieldError{{Field: "grants", Code: "too_many"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fe fieldErrors
			checkGrants(&fe, "grants", tt.grants)
			var got []FieldError
			for _, f := range fe {
				got = append(got, FieldError{Field: f.Field, Code: f.Code})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddGrantsKeepsOrderAndAddsEachOnce(t *testing.T) {
	a := Grant{ResourceType: "dashboard", ResourceID: "d1", Permission: "view"}
	b := Grant{ResourceType: "dashboard", ResourceID: "d1", Permission: "edit"}
	c := Grant{ResourceType: "process", ResourceID: "p1", Permission: "view"}
	tests := []struct {
		name        string
		have, add   []Grant
		want        []Grant
		wantChanged bool
	}{
		{"nothing to add", []Grant{a}, nil, []Grant{a}, false},
		{"all there already", []Grant{a, b}, []Grant{b, a}, []Grant{a, b}, false},
		{"new ones at the end, once", []Grant{a}, []Grant{c, b, c}, []Grant{a, c, b}, true},
		{"to none", nil, []Grant{a}, []Grant{a}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := addGrants(tt.have, tt.add)
			if diff := cmp.Diff(tt.want, got); diff != "" || changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v; grants (-want +got):\n%s", changed, tt.wantChanged, diff)
			}
		})
	}
}

// largestGrants are the most grants a partner may hold, each value at its
// longest.
func largestGrants() []Grant {
	gs := make([]Grant, MaxGrants)
	for i := range gs {
		id := strings.Repeat("r", maxGrantResourceID)
		gs[i] = Grant{
			ResourceType: strings.Repeat("t", maxGrantResourceType),
			ResourceID:   id[:maxGrantResourceID-2] + string(rune('A'+i/26)) + string(rune('a'+i%26)),
			Permission:   strings.Repeat("p", maxGrantPermission),
		}
	}
	return gs
}
