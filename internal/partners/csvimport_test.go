package partners

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInvitationCSV(t *testing.T) {
	in := "\xef\xbb\xbfRole, Email ,First Name\r\n" +
		"admin,ada@acme.example,Ada\r\n" +
		"member,\"Hopper, Grace <grace@acme.example>\",\r\n" +
		"\r\n" +
		"member,not-an-email,X\n" +
		"member,,Y\n" +
		"member,\"multi\nline\"@x.io,Z\n" +
		"member,too,many,fields\n"
	got, err := ParseInvitationCSV([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Row                      int
		Email, Role, First, Last string
		Problem                  string
	}
	var rows []row
	for _, e := range got {
		r := row{Row: e.Row, Email: e.Email, Role: e.Role, First: e.FirstName, Last: e.LastName}
		if e.Problem != nil {
			r.Problem = e.Problem.Code
		}
		rows = append(rows, r)
	}
	want := []row{
		{Row: 2, Email: "ada@acme.example", Role: "admin", First: "Ada"},
		{Row: 3, Email: "grace@acme.example", Role: "member", First: "Grace", Last: "Hopper"},
		{Row: 5, Role: "member", First: "X", Problem: "invalid_email"},
		{Row: 6, Role: "member", First: "Y", Problem: "required"},
		{Row: 7, Problem: "invalid_csv"},
		{Row: 9, Problem: "wrong_field_count"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestParseInvitationCSVHeaderErrors(t *testing.T) {
	tests := map[string]struct {
		in    string
		codes []string
	}{
		"empty":            {"", []string{"empty_file"}},
		"no rows":          {"email,role\n", []string{"no_rows"}},
		"missing role":     {"email\nada@x.io\n", []string{"missing_column"}},
		"unknown column":   {"email,role,colour\nada@x.io,admin,red\n", []string{"unknown_column"}},
		"duplicate column": {"email,role,email\na@x.io,admin,b@x.io\n", []string{"duplicate_column"}},
		"not UTF-8":        {"email,role\n\xff@x.io,admin\n", []string{"invalid_encoding"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseInvitationCSV([]byte(tt.in))
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			var codes []string
			for _, f := range e.Fields {
				codes = append(codes, f.Code)
			}
			if diff := cmp.Diff(tt.codes, codes); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSampleCSVParses(t *testing.T) {
	got, err := ParseInvitationCSV([]byte(SampleCSV))
	if err != nil || len(got) != 3 {
		t.Fatalf("sample: %d rows, %v", len(got), err)
	}
	for _, e := range got {
		if e.Problem != nil {
			t.Errorf("sample row %d: %+v", e.Row, e.Problem)
		}
	}
}

func TestParseInvitationCSVRowLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("email,role\n")
	for i := range MaxImportRows + 1 {
		b.WriteString("u")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("@x.io,member\n")
	}
	if _, err := ParseInvitationCSV([]byte(b.String())); !IsKind(err, TooLarge) {
		t.Errorf("err = %v, want TooLarge", err)
	}
}

func FuzzParseInvitationCSV(f *testing.F) {
	f.Add([]byte(SampleCSV))
	f.Add([]byte("email,role\n\"a@x.io\",admin\n"))
	f.Add([]byte("\xef\xbb\xbfemail,role\r\n\"unterminated,admin\r\n"))
	// Roles, names and the other columns, in any order and case.
	f.Add([]byte("Role,EMAIL,First Name,last_name,Phone,Job Title\nadmin,ada@x.io,Ada,Lovelace,+44 20 7946 0958,CTO\n,grace@x.io,,,,\nnot a role,\"Hopper, Grace\" <g@x.io>,,,,\n"))
	f.Add([]byte("email,role,role\na@x.io,admin,member\n"))
	f.Add([]byte("email,role\n=?utf-8?b?QWRhAA==?= <a@x.io>,member\na@x.io,ADMIN\n"))
	f.Add([]byte("email\na@x.io\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseInvitationCSV(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of an unexpected type: %T %v", err, err)
			}
			return
		}
		for _, e := range entries {
			if e.Row < 2 {
				t.Fatalf("row number %d", e.Row)
			}
			if e.Problem == nil && !ValidEmail(e.Email) {
				t.Fatalf("row %d accepted with invalid email %q", e.Row, e.Email)
			}
		}
	})
}
