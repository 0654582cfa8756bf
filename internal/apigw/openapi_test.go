package apigw_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pb33f/libopenapi"

	"github.com/partnerinvites/partnerinvites/api"
	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// TestOpenAPIHasEveryRoute keeps api/openapi.yaml and the route table in
// step: every route is an operation of the file, and the file has no other,
// each with the security its route's Auth says.
func TestOpenAPIHasEveryRoute(t *testing.T) {
	doc, err := libopenapi.NewDocument(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	var got []string
	security := map[string]string{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			key := strings.ToUpper(method) + " " + path
			got = append(got, key)
			var schemes []string
			for _, req := range op.Security {
				for name := range req.Requirements.KeysFromOldest() {
					schemes = append(schemes, name)
				}
			}
			if op.Security == nil {
				schemes = append(schemes, "(unset)")
			}
			security[key] = strings.Join(schemes, ",")
		}
	}
	var want []string
	for _, r := range apigw.Routes {
		want = append(want, r.Key())
		scheme := map[apigw.Auth]string{apigw.AuthAPIKey: "apiKey", apigw.AuthPartnerToken: "partnerIdToken", apigw.AuthNone: ""}[r.Auth]
		if s, ok := security[r.Key()]; ok && s != scheme {
			t.Errorf("%s: api/openapi.yaml says security %q, the route table %q (%s)", r.Key(), s, scheme, r.Auth)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("api/openapi.yaml and apigw.Routes differ (-routes +openapi.yaml):\n%s", diff)
	}
}
