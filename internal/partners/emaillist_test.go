package partners

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEmailList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ListEntry
	}{
		{"commas", "a@x.io, b@x.io", []ListEntry{{Input: "a@x.io", Email: "a@x.io"}, {Input: "b@x.io", Email: "b@x.io"}}},
		{"semicolons and new lines", "a@x.io;b@x.io\r\nc@x.io\n\n", []ListEntry{{Input: "a@x.io", Email: "a@x.io"}, {Input: "b@x.io", Email: "b@x.io"}, {Input: "c@x.io", Email: "c@x.io"}}},
		{"spaces and tabs", "a@x.io b@x.io\tc@x.io", []ListEntry{{Input: "a@x.io", Email: "a@x.io"}, {Input: "b@x.io", Email: "b@x.io"}, {Input: "c@x.io", Email: "c@x.io"}}},
		{"mail client", `Ada Lovelace <ada@x.io>, "Hopper, Grace" <grace@x.io>; <bare@x.io>`, []ListEntry{
			{Input: "Ada Lovelace <ada@x.io>", Email: "ada@x.io", Name: "Ada Lovelace"},
			{Input: `"Hopper, Grace" <grace@x.io>`, Email: "grace@x.io", Name: "Hopper, Grace"},
			{Input: "<bare@x.io>", Email: "bare@x.io"},
		}},
		{"garbage kept", "a@x.io, nope, Ada b@x.io", []ListEntry{
			{Input: "a@x.io", Email: "a@x.io"}, {Input: "nope", Problem: "invalid_email"},
			{Input: "Ada", Problem: "invalid_email"}, {Input: "b@x.io", Email: "b@x.io"},
		}},
		{"bad address", "a@@x.io, Name <not-an-address>", []ListEntry{
			{Input: "a@@x.io", Problem: "invalid_email"}, {Input: "Name <not-an-address>", Problem: "invalid_email"},
		}},
		{"empty", " ,; \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseEmailList(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseEmailList(f *testing.F) {
	for _, s := range []string{"a@x.io, b@x.io", `"Hopper, Grace" <grace@x.io>`, "<<>>", `"`, "a b c", "x@y.z\r\n;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, e := range ParseEmailList(in) {
			if e.Input == "" {
				t.Fatalf("empty entry from %q", in)
			}
			if (e.Email == "") == (e.Problem == "") {
				t.Fatalf("entry %+v from %q has neither or both of Email and Problem", e, in)
			}
			if e.Email != "" && !ValidEmail(e.Email) {
				t.Fatalf("entry %+v from %q has an invalid email", e, in)
			}
		}
	})
}

// TestParseAddressCleansDisplayNames: a display name becomes the person's
// first and last name, which refuse control characters; an encoded word
// that decodes to NUL or CR LF, or a pasted tab or NEL, must not get a
// valid address refused for a first_name nobody typed (found by
// FuzzParseAddress).
func TestParseAddressCleansDisplayNames(t *testing.T) {
	tests := []struct {
		in, name string
	}{
		{"=?utf-8?b?QWRhAA==?= <a@x.io>", "Ada"},
		{"=?utf-8?q?Ada=0D=0ALovelace?= <a@x.io>", "Ada Lovelace"},
		{"Ada\t\u0085Lovelace <a@x.io>", "Ada Lovelace"},
		{"Hopper,\x00 Grace <g@x.io>", "Hopper, Grace"},
	}
	for _, tt := range tests {
		e := ParseAddress(tt.in)
		if e.Email == "" || e.Name != tt.name {
			t.Errorf("ParseAddress(%q) = %+v, want the name %q", tt.in, e, tt.name)
		}
	}
}
