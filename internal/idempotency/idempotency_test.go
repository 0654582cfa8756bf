package idempotency

import (
	"bytes"
	"net/url"
	"testing"
)

// canonical is the query as a fingerprint compares it: the same
// parameters in any order are the same query.
func canonical(q string) string {
	if v, err := url.ParseQuery(q); err == nil {
		return v.Encode()
	}
	return q
}

// TestFingerprintKeepsPartsApart: a request's method, path, query and body
// are framed, so that moving bytes from one to the next makes another
// fingerprint. Joined with separators they could collide: a path ending in
// "\nq=1" with an empty query was the path with the query q=1, and a method
// with a space was a shorter method before a longer path.
func TestFingerprintKeepsPartsApart(t *testing.T) {
	type request struct {
		method, path, query string
		body                []byte
	}
	tests := []struct {
		name string
		a, b request
	}{
		{"a newline moves the query into the path", request{"POST", "/x\nq=1", "", []byte("b")}, request{"POST", "/x", "q=1", []byte("\nb")}},
		{"a space moves the path into the method", request{"key_1 POST", "/x", "", nil}, request{"key_1", "POST /x", "", nil}},
		{"the body's first bytes move into the query", request{"POST", "/x", "a=1", []byte("\n{}")}, request{"POST", "/x", "a=1\n", []byte("{}")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Fingerprint(tt.a.method, tt.a.path, tt.a.query, tt.a.body) == Fingerprint(tt.b.method, tt.b.path, tt.b.query, tt.b.body) {
				t.Errorf("%+v and %+v have one fingerprint", tt.a, tt.b)
			}
		})
	}
	if Fingerprint("POST", "/x", "b=2&a=1", nil) != Fingerprint("POST", "/x", "a=1&b=2", nil) {
		t.Error("the same parameters in another order make another fingerprint")
	}
}

// FuzzFingerprint: two requests have one fingerprint exactly when they are
// the same request (the query compared in its canonical order).
func FuzzFingerprint(f *testing.F) {
	f.Add("POST", "/v1/partners", "a=1&b=2", []byte(`{}`), "POST", "/v1/partners", "b=2&a=1", []byte(`{}`))
	f.Add("POST", "/x\nq=1", "", []byte("b"), "POST", "/x", "q=1", []byte("\nb"))
	f.Add("GET", "/v1/invitations", "limit=1&limit=2", []byte(nil), "GET", "/v1/invitations", "limit=2&limit=1", []byte(nil))
	f.Add("POST", "/v1/partners/ptr_1/invitations/import", "dry_run=true", []byte("email,role\n"), "POST", "/v1/partners/ptr_1/invitations/import", "", []byte("email,role\n"))
	f.Fuzz(func(t *testing.T, m1, p1, q1 string, b1 []byte, m2, p2, q2 string, b2 []byte) {
		same := m1 == m2 && p1 == p2 && canonical(q1) == canonical(q2) && bytes.Equal(b1, b2)
		if got := Fingerprint(m1, p1, q1, b1) == Fingerprint(m2, p2, q2, b2); got != same {
			t.Fatalf("same fingerprint = %v for (%q %q %q %q) and (%q %q %q %q), want %v", got, m1, p1, q1, b1, m2, p2, q2, b2, same)
		}
	})
}
