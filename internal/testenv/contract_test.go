package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// errorsOf is a testing.TB that keeps what the contract check reports.
type errorsOf struct {
	testing.TB
	errs []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestTheContractCheckBites: a response or an accepted request that
// api/openapi.yaml does not allow is reported, naming the route and the
// field; what it allows is not.
func TestTheContractCheckBites(t *testing.T) {
	at := time.Date(2026, 11, 24, 16, 5, 39, 797e6, time.UTC)
	inv := resources.InvitationOf(partners.Invitation{
		ID: "inv_01M874WGTN9X9BRZGKG1EH8GJ4", PartnerID: "ptr_01M874WGTNF8YTXAYH5HMATT4E", UserID: "usr_01M874WGTNBA3D19D9C6QP5DFH",
		Email: "ada@acme.example", Role: "admin", Status: partners.InvitationPending, ExpiresAt: at.Add(48 * time.Hour), SendSeq: 1,
		Delivery:  partners.Delivery{Status: partners.DeliveryQueued, QueuedAt: at},
		CreatedAt: at, UpdatedAt: at,
	}, at, "")
	good, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	wrongType := strings.Replace(string(good), `"send_count":1`, `"send_count":"1"`, 1)
	missing := strings.Replace(string(good), `"template":null,`, ``, 1)
	extra := strings.Replace(string(good), `"object":"invitation",`, `"object":"invitation","surprise":true,`, 1)

	for _, c := range []struct {
		name, method, path, reqBody string
		status                      int
		respBody                    string
		want                        string // in the report; "" for none
	}{
		{"a matching response", "GET", "/v1/invitations/inv_01M874WGTN9X9BRZGKG1EH8GJ4", "", 200, string(good), ""},
		{"a field of another type", "GET", "/v1/invitations/inv_01M874WGTN9X9BRZGKG1EH8GJ4", "", 200, wrongType, "send_count"},
		{"a field left out", "GET", "/v1/invitations/inv_01M874WGTN9X9BRZGKG1EH8GJ4", "", 200, missing, "template"},
		{"a field the file does not know", "GET", "/v1/invitations/inv_01M874WGTN9X9BRZGKG1EH8GJ4", "", 200, extra, "surprise"},
		{"a status the route does not answer", "GET", "/v1/invitations/inv_01M874WGTN9X9BRZGKG1EH8GJ4", "", 418, `{}`, "418"},
		{"a bad request refused", "POST", "/v1/partners", `{"name":5}`, 400,
			`{"type":"urn:partner-invites:problem:invalid-request","title":"Your request is not valid.","status":400}`, ""},
		{"a bad request accepted", "POST", "/v1/partners", `{"name":5}`, 201, `{}`, "the request does not match"},
		{"not a route", "POST", "/2015-03-31/functions/x/invocations", `{}`, 202, `{}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &errorsOf{TB: t}
			h := checkContract(rec, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ct := "application/json"
				if c.status >= 400 {
					ct = "application/problem+json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.respBody))
			}))
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.reqBody))
			req.Header.Set("Authorization", "Bearer pik_test")
			if c.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			var reports []string
			for _, e := range rec.errs {
				reports = append(reports, strings.Split(e, "\nbody:")[0]) // the body would name any field
			}
			got := strings.Join(reports, "\n")
			switch {
			case c.want == "" && got != "":
				t.Errorf("reported:\n%s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("report %q does not name %q", got, c.want)
			}
		})
	}
}
