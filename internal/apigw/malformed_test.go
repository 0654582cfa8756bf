package apigw_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// malformed is one generated bad request.
type malformed struct {
	kind    string // what is wrong with it, for the counts
	method  string
	path    string
	header  map[string]string
	body    []byte
	gateway bool // API Gateway itself answers it (a body over its limit)
}

// wrongTypes are a JSON value of every type: each field of a valid body is
// replaced by each one that is not its own.
var wrongTypes = []string{`-1.5e308`, `"x"`, `true`, `null`, `[1,{}]`}

// badBodies are bodies that are not a valid request object at all.
var badBodies = map[string]string{
	"bad JSON: cut short":          `{"name":`,
	"bad JSON: not an object":      `[]`,
	"bad JSON: null":               `null`,
	"bad JSON: a string":           `"hello"`,
	"bad JSON: trailing data":      `{}{}`,
	"bad JSON: huge number":        `{"limit":1e999}`,
	"bad JSON: deep nesting":       strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	"bad JSON: duplicate keys":     `{"name":"a","name":{"b":1}}`,
	"bad UTF-8: in a string":       "{\"name\":\"\xff\xfe\xc3\x28\"}",
	"bad UTF-8: raw bytes":         "\xff\xfe\xfd\x00\x01",
	"bad UTF-8: overlong encoding": "{\"email\":\"\xc0\xafa@b.example\"}",
	"NUL bytes":                    "{\"name\":\"a\\u0000b\"}",
	"form body as JSON":            `email=a%40b.example&password=x`,
}

var badContentTypes = []string{"", "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; x=", "text/csv", "application/x-www-form-urlencoded", ";;;"}

var badQueries = []string{"limit=99999999999999999999", "cursor=%21%21%21", "cursor=" + strings.Repeat("A", 4000), "status=%FF%FE", "dry_run=perhaps", "partner_id=%00", "type=" + strings.Repeat("x.", 2000)}

var badIdempotencyKeys = []string{strings.Repeat("k", 256), strings.Repeat("k", 8000), "clé-é-ü"}

// sweep generates the malformed requests for one route: a path of real ids
// (so that the request reaches the code behind the lookup), and the valid
// body of its matrix row to mutate field by field.
func sweep(r apigw.Route, path string, validBody string) []malformed {
	var out []malformed
	add := func(kind string, header map[string]string, body []byte, query string) {
		p := path
		if query != "" {
			if strings.Contains(p, "?") {
				p += "&" + query
			} else {
				p += "?" + query
			}
		}
		if header == nil {
			header = map[string]string{}
		}
		if _, ok := header["Content-Type"]; !ok && body != nil {
			header["Content-Type"] = "application/json"
		}
		out = append(out, malformed{kind: kind, method: r.Method, path: p, header: header, body: body})
	}
	hasBody := r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH"
	if hasBody {
		for _, name := range slices.Sorted(maps.Keys(badBodies)) {
			add(name, nil, []byte(badBodies[name]), "")
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(validBody), &fields) == nil {
			for _, f := range slices.Sorted(maps.Keys(fields)) {
				for _, v := range wrongTypes {
					if string(fields[f]) != v {
						add("wrong type: "+f, nil, replaceField(fields, f, v), "")
					}
				}
				add("huge field: "+f, nil, replaceField(fields, f, `"`+strings.Repeat("é", 200_000)+`"`), "")
				add("bad UTF-8 field: "+f, nil, replaceField(fields, f, "\"\xed\xa0\x80\xff\""), "")
			}
			add("unknown field", nil, replaceField(fields, "no_such_field", `1`), "")
		}
		body := []byte(validBody)
		if validBody == "" {
			body = []byte(`{}`)
		}
		for _, ct := range badContentTypes {
			add("content type "+fmt.Sprintf("%q", ct), map[string]string{"Content-Type": ct}, body, "")
		}
		add("body over the JSON limit (1 MiB)", nil, []byte(`{"name":"`+strings.Repeat("a", 1<<20)+`"}`), "")
		add("body of 5 MiB", nil, bytes.Repeat([]byte("a"), 5<<20), "")
		if r.Method == "POST" {
			for _, k := range badIdempotencyKeys {
				add("bad Idempotency-Key", map[string]string{"Idempotency-Key": k}, body, "")
			}
		}
	} else {
		add("a body where none belongs", nil, []byte(badBodies["bad UTF-8: raw bytes"]), "")
	}
	// Query parameters: every read, and the import (whose options are in
	// its query).
	if !hasBody || strings.Contains(path, "/import") {
		for _, q := range badQueries {
			add("bad query", nil, nil, q)
		}
	}
	// Path parameters: not UTF-8, and far too long.
	if strings.Contains(r.Path, "{") {
		for _, bad := range []string{"%FF%FE", strings.Repeat("x", 10_000)} {
			segs := strings.Split(strings.SplitN(path, "?", 2)[0], "/")
			for i, w := range strings.Split(r.Path, "/") {
				if strings.HasPrefix(w, "{") && i < len(segs) {
					segs[i] = bad
					break
				}
			}
			p := strings.Join(segs, "/")
			out = append(out, malformed{kind: "bad path parameter", method: r.Method, path: p, header: map[string]string{}})
		}
	}
	return out
}

func replaceField(fields map[string]json.RawMessage, name, value string) []byte {
	var b strings.Builder
	b.WriteString("{")
	b.WriteString(fmt.Sprintf("%q:%s", name, value))
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		if f != name {
			fmt.Fprintf(&b, ",%q:%s", f, fields[f])
		}
	}
	b.WriteString("}")
	return []byte(b.String())
}

// publicPaths are the public routes' paths with a real credential in them
// (a live activation link, the tenant's id), and their valid bodies.
func publicRows(t *testing.T, api *testenv.API, a *matrixTenant) map[string]matrixRow {
	t.Helper()
	link, _ := activationLink(t, api, a.admin, a.ids["{partner}"], uniqueEmail(t, "sweep"))
	token := strings.TrimPrefix(link, "/activate/")
	form := `{"csrf":"x","password":"Correct-Horse-42"}` // pages take forms: their fields as a JSON body to mutate
	return map[string]matrixRow{
		"GET /activate/{token}":             {path: link},
		"HEAD /activate/{token}":            {path: link},
		"POST /activate/{token}":            {path: link, body: form},
		"POST /activate/{token}/renew":      {path: link + "/renew", body: form},
		"GET /activate/{token}/decline":     {path: link + "/decline"},
		"HEAD /activate/{token}/decline":    {path: link + "/decline"},
		"POST /activate/{token}/decline":    {path: link + "/decline", body: `{"csrf":"x"}`},
		"POST /activate/{token}/form":       {path: link + "/form", body: form},
		"GET /forgot-password/{tenant_id}":  {path: "/forgot-password/" + a.id},
		"HEAD /forgot-password/{tenant_id}": {path: "/forgot-password/" + a.id},
		"POST /forgot-password/{tenant_id}": {path: "/forgot-password/" + a.id, body: `{"csrf":"x","email":"a@b.example"}`},
		"GET /reset-password/{token}":       {path: "/reset-password/" + token},
		"HEAD /reset-password/{token}":      {path: "/reset-password/" + token},
		"POST /reset-password/{token}":      {path: "/reset-password/" + token, body: form},
		"POST /v1/activations":              {path: "/v1/activations", body: `{"token":"` + token + `","password":"Correct-Horse-42"}`},
	}
}

// TestMalformedRequestsNeverFail sends over a thousand malformed requests,
// generated from the route table, to every route with a valid credential
// and real ids: bad JSON, every field of a valid body in every wrong type,
// huge fields, bad UTF-8, wrong and missing content types, bodies over the
// JSON limit, bad query parameters and Idempotency-Keys. None may answer
// 5xx; every refusal of a JSON route is problem+json, every refusal of a
// page is an HTML page (a person reads it), and a body over API Gateway's
// own limit is API Gateway's answer.
func TestMalformedRequestsNeverFail(t *testing.T) {
	api := testenv.NewAPIWithConsumers(t, []string{apigw.PublishEventsFunction})
	receiver := testenv.NewReceiver(t)
	a := newMatrixTenant(t, api, "Sweep Tenant", receiver.URL)
	public := publicRows(t, api, a)

	var requests []malformed
	for _, r := range apigw.Routes {
		row, ok := matrixRows[r.Key()]
		if r.Auth == apigw.AuthNone {
			row, ok = public[r.Key()]
		}
		if !ok {
			t.Fatalf("route %s has no row to build its requests from", r.Key())
		}
		ids := []map[string]string{a.ids, {"{own.partner2}": a.ids["{partner2}"], "{receiver}": receiver.URL}}
		path, body := substitute(row.path, ids...), substitute(row.body, ids...)
		credential := a.admin
		switch r.Auth {
		case apigw.AuthPartnerToken:
			credential = a.adminToken
		case apigw.AuthNone:
			credential = ""
		}
		for _, m := range sweep(r, path, body) {
			if credential != "" {
				m.header["Authorization"] = "Bearer " + credential
			}
			requests = append(requests, m)
		}
	}
	// A body over API Gateway's 10 MiB is refused before any function, on a
	// few routes (each such request moves 10 MiB).
	for _, key := range []string{"POST /v1/partners", "POST /v1/partners/{id}/invitations/import", "POST /v1/activations"} {
		r, _ := routeOf(key)
		path := substitute(matrixRows[key].path, a.ids)
		if r.Auth == apigw.AuthNone {
			path = public[key].path
		}
		h := map[string]string{"Content-Type": "application/json"}
		if r.Auth == apigw.AuthAPIKey {
			h["Authorization"] = "Bearer " + a.admin
		}
		requests = append(requests, malformed{kind: "body over API Gateway's limit (10 MiB)", method: r.Method, path: path, header: h, body: bytes.Repeat([]byte("a"), 10<<20+1), gateway: true})
	}

	byStatus := map[int]int{}
	byKind := map[string]int{}
	took := map[string]time.Duration{}
	failures := 0
	// A few at a time: the emulators, not the handlers, bound the pace.
	var mu sync.Mutex
	work := make(chan malformed)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				start := time.Now()
				status, ct, body, err := rawDo(api.URL, m)
				kind := strings.SplitN(m.kind, ":", 2)[0]
				mu.Lock()
				took[kind] += time.Since(start)
				byStatus[status]++
				byKind[kind]++
				bad := judge(m, status, ct, body)
				if err != nil {
					bad = err.Error()
				}
				if bad != "" {
					failures++
					if failures <= 40 {
						t.Errorf("%s %.200s (%s): %s\n%.300s", m.method, m.path, m.kind, bad, body)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, m := range requests {
		work <- m
	}
	close(work)
	wg.Wait()
	var statuses []string
	for _, s := range slices.Sorted(maps.Keys(byStatus)) {
		statuses = append(statuses, fmt.Sprintf("%d×%d", byStatus[s], s))
	}
	fivexx := 0
	for s, n := range byStatus {
		if s >= 500 {
			fivexx += n
		}
	}
	summary := fmt.Sprintf("malformed requests: %d across %d routes, %d answered 5xx, %d answered wrong; statuses %s",
		len(requests), len(apigw.Routes), fivexx, failures, strings.Join(statuses, " "))
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		kinds = append(kinds, fmt.Sprintf("%s: %d (%s)", k, byKind[k], took[k].Round(time.Millisecond)))
	}
	report := summary + "\n" + strings.Join(kinds, "\n") + "\n"
	dir := filepath.Join(testenv.RepoRoot(t), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "malformed-requests.txt"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(report)
	if len(requests) < 1000 {
		t.Errorf("only %d malformed requests generated, want at least 1,000", len(requests))
	}
}

// judge says what is wrong with an answer to a malformed request, or "".
func judge(m malformed, status int, contentType string, body []byte) string {
	page := !strings.HasPrefix(m.path, "/v1/")
	switch {
	case status >= 500:
		return fmt.Sprintf("answered %d", status)
	case status < 400:
		return ""
	case m.gateway:
		if status != http.StatusRequestEntityTooLarge {
			return fmt.Sprintf("answered %d, want API Gateway's 413", status)
		}
		return ""
	case m.method == "HEAD":
		return "" // no body to judge
	case page:
		if !strings.HasPrefix(contentType, "text/html") {
			return fmt.Sprintf("a page answered %d with Content-Type %q, want an HTML page", status, contentType)
		}
	case contentType != "application/problem+json":
		return fmt.Sprintf("answered %d with Content-Type %q, want application/problem+json", status, contentType)
	case !json.Valid(body):
		return fmt.Sprintf("answered %d with a problem that is not JSON", status)
	}
	return ""
}

func rawDo(base string, m malformed) (int, string, []byte, error) {
	var rd io.Reader
	if m.body != nil {
		rd = bytes.NewReader(m.body)
	}
	req, err := http.NewRequest(m.method, base+m.path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	for k, v := range m.header {
		if v != "" { // "" is a header left out
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, err
}
