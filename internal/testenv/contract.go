package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/partnerinvites/partnerinvites/api"
	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// contract is api/openapi.yaml, loaded and compiled once per test process.
var contract = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(api.Spec)
	if err != nil {
		return nil, fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	// Form posts are decoded as forms (a repeated field is an array).
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions(),
		config.WithBodyDecoder("application/x-www-form-urlencoded", content.FormDecoder()))
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile api/openapi.yaml: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %s", describe(verrs))
	}
	return v, nil
})

// Contract returns the validator of api/openapi.yaml, compiled once.
func Contract(t testing.TB) validator.Validator {
	t.Helper()
	v, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkContract wraps the local gateway so that every request a test sends
// it, and every response it gives, is validated against api/openapi.yaml:
// a response that does not match fails the test that made the API. A
// request that does not match must be refused (4xx): the spec and the
// handlers agree on what is valid. Requests that are not routes (the
// Lambda Invoke API the gateway also serves, a browser's favicon) pass
// unchecked. Benchmarks are not checked, so that they time the product.
func checkContract(t testing.TB, next http.Handler) http.Handler {
	if _, bench := t.(*testing.B); bench {
		return next
	}
	v := Contract(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := routeOf(r.Method, r.URL.Path)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := rec.Result()
		respBody := rec.Body.Bytes()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		if w.Header().Get("Content-Length") == "" && r.Method != http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(len(respBody)))
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(respBody)
		// The caller has its whole answer before the checks below run.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}

		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		if ok, errs := v.ValidateHttpRequestSync(req); !ok && resp.StatusCode < 400 {
			t.Errorf("contract: %s: the request does not match api/openapi.yaml, yet the handler answered %d: %s",
				route.Key(), resp.StatusCode, describe(errs))
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		req.Body = io.NopCloser(bytes.NewReader(body))
		if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
			t.Errorf("contract: %s: the %d response does not match api/openapi.yaml: %s\nbody: %.2000s",
				route.Key(), resp.StatusCode, describe(errs), respBody)
		}
	})
}

// routeOf finds the route that API Gateway would match.
func routeOf(method, path string) (apigw.Route, bool) {
	got := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range apigw.Routes {
		if r.Method != method {
			continue
		}
		want := strings.Split(strings.Trim(r.Path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i, seg := range want {
			if !strings.HasPrefix(seg, "{") && seg != got[i] {
				match = false
				break
			}
		}
		if match {
			return r, true
		}
	}
	return apigw.Route{}, false
}

// describe renders the validator's errors with the fields they name.
func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  - %s", e.Message)
		if e.Reason != "" && e.Reason != e.Message {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s: %s", s.FieldPath, s.Reason)
		}
	}
	return b.String()
}
