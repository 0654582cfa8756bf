package partners

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CSV columns of an invitation import. email and role are required; the
// others may be left out or empty.
var (
	csvRequired = []string{"email", "role"}
	csvOptional = []string{"first_name", "last_name", "phone", "job_title"}
)

// SampleCSV is the sample file served at GET /v1/invitations/sample.csv.
const SampleCSV = "email,role,first_name,last_name,phone,job_title\r\n" +
	"ada@acme.example,admin,Ada,Lovelace,+44 20 7946 0958,Partner manager\r\n" +
	"grace@acme.example,member,Grace,Hopper,,Engineer\r\n" +
	"\"Linus <linus@acme.example>\",member,,,,\r\n"

// ParseInvitationCSV reads an import file: a header naming the columns (any
// order, any case; email and role required; first_name, last_name, phone,
// job_title optional), then one person per row. UTF-8 with or without a BOM,
// CRLF or LF, quoted fields. A row that cannot be read comes back with a
// Problem and its line number; only a bad header or file fails the whole.
func ParseInvitationCSV(data []byte) ([]BulkEntry, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, InvalidField("file", "invalid_encoding", "The file must be UTF-8 text.")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, InvalidField("file", "empty_file", "The file is empty; its first line must name the columns, such as email,role.")
	}
	if err != nil {
		return nil, InvalidField("file", "invalid_csv", "The header line is not valid CSV: "+csvReason(err))
	}
	cols, err := csvColumns(header)
	if err != nil {
		return nil, err
	}
	var entries []BulkEntry
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if len(entries) >= MaxImportRows {
			return nil, Errorf(TooLarge, "The file has more than %d rows; split it.", MaxImportRows)
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, InvalidField("file", "invalid_csv", "The file is not valid CSV: "+err.Error())
			}
			entries = append(entries, BulkEntry{Row: pe.StartLine, Problem: &FieldError{Field: "row", Code: "invalid_csv", Message: csvReason(err)}})
			continue
		}
		line, _ := r.FieldPos(0)
		if isBlank(record) {
			continue
		}
		e := BulkEntry{Row: line, Input: strings.Join(record, ",")}
		if len(record) != len(header) {
			e.Problem = &FieldError{Field: "row", Code: "wrong_field_count",
				Message: fmt.Sprintf("The row has %d fields; the header has %d.", len(record), len(header))}
			entries = append(entries, e)
			continue
		}
		get := func(name string) string {
			if i, ok := cols[name]; ok {
				return strings.TrimSpace(record[i])
			}
			return ""
		}
		addr := ParseAddress(get("email"))
		e.Email, e.Role = addr.Email, get("role")
		e.FirstName, e.LastName, e.Phone, e.JobTitle = get("first_name"), get("last_name"), get("phone"), get("job_title")
		switch {
		case get("email") == "":
			e.Problem = &FieldError{Field: "email", Code: "required", Message: "email is required."}
		case addr.Problem != "":
			e.Problem = &FieldError{Field: "email", Code: "invalid_email", Message: fmt.Sprintf("%q is not a valid email address.", get("email"))}
		}
		if e.FirstName == "" && e.LastName == "" && addr.Name != "" {
			e.FirstName, e.LastName = addr.PersonName()
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, InvalidField("file", "no_rows", "The file has a header but no rows.")
	}
	return entries, nil
}

func csvColumns(header []string) (map[string]int, error) {
	cols := map[string]int{}
	var fe fieldErrors
	known := strings.Join(append(append([]string{}, csvRequired...), csvOptional...), ", ")
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		name = strings.ReplaceAll(name, " ", "_")
		switch {
		case !contains(csvRequired, name) && !contains(csvOptional, name):
			fe.add("header", "unknown_column", fmt.Sprintf("Column %d is %q; the columns are %s.", i+1, h, known))
		case hasColumn(cols, name):
			fe.add("header", "duplicate_column", fmt.Sprintf("Column %q appears twice.", h))
		default:
			cols[name] = i
		}
	}
	for _, req := range csvRequired {
		if _, ok := cols[req]; !ok {
			fe.add("header", "missing_column", fmt.Sprintf("The header has no %s column; the first line must name the columns, such as email,role.", req))
		}
	}
	return cols, fe.err()
}

func hasColumn(cols map[string]int, name string) bool {
	_, ok := cols[name]
	return ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isBlank(record []string) bool {
	for _, f := range record {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err.Error()
}
