package apigw_test

import (
	"os"
	"strings"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// TestDocsListEveryRoute keeps the route table in docs/api.md in step with
// the code (run with -update to rewrite it).
func TestDocsListEveryRoute(t *testing.T) {
	const path, begin, end = "../../docs/api.md", "<!-- routes:begin -->\n", "<!-- routes:end -->"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", path, begin, end)
	}
	want := apigw.RoutesMarkdown()
	if got := s[i+len(begin) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the route table in %s is stale; run go test ./internal/apigw -run TestDocs -update\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestRoutesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range apigw.Routes {
		if seen[r.Key()] {
			t.Errorf("route %s listed twice", r.Key())
		}
		seen[r.Key()] = true
		if r.Function == "" || r.Summary == "" || (r.Auth != apigw.AuthAPIKey && r.Auth != apigw.AuthNone && r.Auth != apigw.AuthPartnerToken) {
			t.Errorf("route %s is incomplete: %+v", r.Key(), r)
		}
		// Every API-key route says what its key must be allowed; reads need
		// only read, and public routes need no key at all.
		switch {
		case r.Auth != apigw.AuthNone && r.Permission == "":
			t.Errorf("route %s names no permission", r.Key())
		case r.Auth != apigw.AuthNone && r.Method == "GET" && r.Permission != partners.PermRead:
			t.Errorf("read route %s needs %s", r.Key(), r.Permission)
		case r.Auth == apigw.AuthNone && r.Permission != "":
			t.Errorf("public route %s names a permission", r.Key())
		}
	}
}
