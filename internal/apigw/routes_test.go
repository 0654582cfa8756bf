package apigw_test

import (
	"os"
	"strings"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
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
		if r.Function == "" || r.Summary == "" || (r.Auth != apigw.AuthAPIKey && r.Auth != apigw.AuthNone) {
			t.Errorf("route %s is incomplete: %+v", r.Key(), r)
		}
	}
}
