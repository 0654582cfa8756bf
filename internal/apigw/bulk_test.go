package apigw_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

func TestPastedListPartialSuccess(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	a, b, c, d, e := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c"), uniqueEmail(t, "d"), uniqueEmail(t, "e")
	pasted := fmt.Sprintf("%s, Bea Baker <%s>; %s\n%s\tnot-an-address, %s\r\n%s", a, b, c, d, strings.ToUpper(a), e)

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": pasted, "role": "member"})
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	if diff := cmp.Diff(map[string]any{"total": float64(7), "created": float64(5), "resent": float64(0), "errors": float64(2)}, body["summary"]); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var got []string
	for _, item := range body["results"].([]any) {
		it := item.(map[string]any)
		s := it["status"].(string)
		if errObj, ok := it["error"].(map[string]any); ok {
			s += ":" + errObj["code"].(string)
		}
		got = append(got, s)
	}
	want := []string{"created", "created", "created", "created", "error:invalid_email", "error:duplicate", "created"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)
	if len(users) != 5 {
		t.Errorf("%d users, want 5", len(users))
	}
	for _, u := range users {
		if u.(map[string]any)["email"] == b && u.(map[string]any)["first_name"] != "Bea" {
			t.Errorf("the name from the mail client was not kept: %v", u)
		}
	}

	// An array with a role per address; an unknown role is that entry's error.
	r = api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": []any{
		map[string]any{"email": uniqueEmail(t, "f"), "role": "admin"}, map[string]any{"email": uniqueEmail(t, "g"), "role": "owner"}, uniqueEmail(t, "h"),
	}})
	wantStatus(t, r, http.StatusOK)
	results := r.JSON(t)["results"].([]any)
	if results[0].(map[string]any)["invitation"].(map[string]any)["role"] != "admin" ||
		results[1].(map[string]any)["error"].(map[string]any)["code"] != "unknown_role" ||
		results[2].(map[string]any)["error"].(map[string]any)["code"] != "required" {
		t.Errorf("per-address roles: %s", r.Body)
	}

	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": "", "role": "member"}), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": 42}), http.StatusBadRequest)
	many := make([]string, partners.MaxBulkInvites+1)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@x.io", i)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": many, "role": "member"}), http.StatusRequestEntityTooLarge)
}

func TestCSVImport(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	other := newPartner(t, api, key, "Initech")
	taken := uniqueEmail(t, "taken")
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+other+"/users", key, map[string]any{"email": taken, "role": "member"}), http.StatusCreated)

	a, b, c := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c")
	csv := "\xef\xbb\xbfEmail,Role,First_Name,Phone\r\n" +
		a + ",admin,Ada,+44 20 7946 0958\r\n" +
		"\"Hopper, Grace <" + b + ">\",member,,\r\n" +
		"not-an-email,member,X,\r\n" +
		c + ",member,\"Lovelace, Ada\",\r\n" +
		taken + ",member,,\r\n" +
		strings.ToUpper(a) + ",member,,\r\n" +
		uniqueEmail(t, "d") + ",owner,,\r\n" +
		uniqueEmail(t, "e") + ",member,,12\r\n"

	dry := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?dry_run=true", key, csv, "Content-Type", "text/csv")
	wantStatus(t, dry, http.StatusOK)
	if body := dry.JSON(t); body["dry_run"] != true || body["summary"].(map[string]any)["created"] != float64(3) {
		t.Errorf("dry run: %s", dry.Body)
	}
	if n := len(api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)); n != 0 {
		t.Errorf("the dry run wrote %d users", n)
	}

	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusOK)
	type row struct {
		Row    float64
		Status string
		Code   string
	}
	var got []row
	for _, item := range r.JSON(t)["results"].([]any) {
		it := item.(map[string]any)
		rw := row{Row: it["row"].(float64), Status: it["status"].(string)}
		if e, ok := it["error"].(map[string]any); ok {
			rw.Code = e["code"].(string)
			if rw.Code == "email_taken" && e["partner"].(map[string]any)["id"] != other {
				t.Errorf("the error does not name the partner that owns the email: %v", e)
			}
		}
		got = append(got, rw)
	}
	want := []row{
		{2, "created", ""}, {3, "created", ""}, {4, "error", "invalid_email"}, {5, "created", ""},
		{6, "error", "email_taken"}, {7, "error", "duplicate"}, {8, "error", "unknown_role"}, {9, "error", "invalid_phone"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	sample := api.Do(t, "GET", "/v1/invitations/sample.csv", key, nil)
	wantStatus(t, sample, http.StatusOK)
	if !strings.HasPrefix(sample.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(sample.Body), "email,role") {
		t.Errorf("sample: %s %s", sample.Header.Get("Content-Type"), sample.Body)
	}
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, "email\nx@y.io\n", "Content-Type", "text/csv"), http.StatusBadRequest)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import", key, csv), http.StatusUnsupportedMediaType)
}

func TestLargeImportRunsAsAJob(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, keyB := api.Tenant(t, "Tenant B")
	_, viewer := api.Key(t, tenantID, partners.RoleViewer)
	pid := newPartner(t, api, key, "Globex")
	var csv strings.Builder
	csv.WriteString("email,role\n")
	var emails []string
	for i := range partners.ImportChunkRows + 10 { // two chunks of good rows
		email := uniqueEmail(t, fmt.Sprint("row", i))
		emails = append(emails, email)
		csv.WriteString(email + ",member\n")
	}
	csv.WriteString("not-an-email,member\n" + emails[0] + ",member\n")

	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true", viewer, csv.String(), "Content-Type", "text/csv"), http.StatusForbidden)
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true&send_email=false", key, csv.String(), "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	job := r.JSON(t)
	id := job["id"].(string)
	if r.Header.Get("Location") != "/v1/imports/"+id || job["status"] != "processing" && job["status"] != "completed" {
		t.Fatalf("job: %s (Location %q)", r.Body, r.Header.Get("Location"))
	}

	// A viewer may follow the job; it never sees a link, and its reads
	// leave the links for the key that made the import.
	deadline := time.Now().Add(60 * time.Second)
	for {
		job = api.Do(t, "GET", "/v1/imports/"+id, viewer, nil).JSON(t)
		if job["status"] == "completed" {
			if strings.Contains(fmt.Sprint(job["results"]), "/activate/") {
				t.Error("a viewer key read an activation link")
			}
			job = api.Do(t, "GET", "/v1/imports/"+id, key, nil).JSON(t)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not complete: %v", job["summary"])
		}
		time.Sleep(200 * time.Millisecond)
	}
	total := partners.ImportChunkRows + 12
	if diff := cmp.Diff(map[string]any{"total": float64(total), "done": float64(total), "created": float64(total - 2), "resent": float64(0), "errors": float64(2)}, job["summary"]); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	results := job["results"].([]any)
	if len(results) != total {
		t.Fatalf("%d results, want %d", len(results), total)
	}
	for i, item := range results {
		it := item.(map[string]any)
		if it["row"] != float64(i+2) {
			t.Fatalf("result %d is row %v: results are not in file order", i, it["row"])
		}
	}
	if last := results[total-1].(map[string]any); last["error"].(map[string]any)["code"] != "duplicate" {
		t.Errorf("last row: %v", last)
	}
	first := results[0].(map[string]any)
	link, _ := first["activation_url"].(string)
	if first["status"] != "created" || !strings.HasPrefix(link, api.URL+"/activate/") {
		t.Errorf("first row: %v", first)
	}
	if strings.Contains(api.Dump(t), strings.TrimPrefix(link, api.URL+"/activate/")) {
		t.Error("an import's link rests in the table in plain text")
	}
	// The links were shown once, and are gone from the job.
	if again := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(again.Body), "/activate/") {
		t.Error("the import's links were shown twice")
	}
	users := api.Do(t, "GET", "/v1/partners/"+pid+"/users?limit=100", key, nil).JSON(t)
	if users["has_more"] != true {
		t.Errorf("the job's users are not there: %v", users["data"])
	}
	wantStatus(t, api.Do(t, "GET", "/v1/imports/"+id, keyB, nil), http.StatusNotFound)
}
