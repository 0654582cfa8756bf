package app_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

// What no function of a group may link: linking a package is enough to pay
// its init on every cold start, and to carry its size.
var mustNotLink = map[base.Group][]string{
	base.GroupBase:     {"service/sesv2", "service/cognitoidentityprovider", "nyaruka/phonenumbers", "golang.org/x/text/language/display", "service/lambda", "service/eventbridge"},
	base.GroupPhones:   {"service/sesv2", "service/cognitoidentityprovider"},
	base.GroupLogins:   {"service/sesv2", "nyaruka/phonenumbers", "golang.org/x/text/language/display"},
	base.GroupMail:     {"service/cognitoidentityprovider", "nyaruka/phonenumbers", "golang.org/x/text/language/display"},
	base.GroupWebhooks: {"service/sesv2", "service/cognitoidentityprovider", "nyaruka/phonenumbers", "golang.org/x/text/language/display", "service/eventbridge"},
	base.GroupEvents:   {"service/sesv2", "service/cognitoidentityprovider", "nyaruka/phonenumbers", "golang.org/x/text/language/display"},
}

// Nothing a Lambda never uses: the shared-config and SSO/STS credential
// chains of config.LoadDefaultConfig, the emulators' test helpers, the
// local stack's gateway (and its test clock), the OpenAPI contract and its
// validator, or the tenants' generated client.
var noFunctionLinks = []string{
	"aws-sdk-go-v2/config", "aws-sdk-go-v2/service/sso", "aws-sdk-go-v2/service/ssooidc", "aws-sdk-go-v2/service/sts",
	"aws-sdk-go-v2/service/signin", "partnerinvites/internal/testenv", "partnerinvites/internal/localgw",
	// The protobuf runtime's reflection kept ~4 MiB of dead code in the
	// functions that parse phones (third_party/phonenumbers' PATCHES.md);
	// the load generator and the benchmarks are tools.
	"google.golang.org/protobuf", "tsenart/vegeta", "partnerinvites/internal/bench",
	"partnerinvites/api", "partnerinvites/client", "pb33f/libopenapi", "pb33f/libopenapi-validator", "oapi-codegen/runtime",
}

// Each function links only what its group uses.
func TestEachFunctionLinksOnlyWhatItUses(t *testing.T) {
	if testing.Short() {
		t.Skip("go list of every function")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if eq .Name "main"}}@{{.ImportPath}}{{else}}{{.ImportPath}}{{end}}`, "../../functions/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// go list -deps prints each main after its dependencies; a dependency
	// shared by two mains is printed once, so ask per function instead.
	var mains []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "@") {
			mains = append(mains, strings.TrimPrefix(line, "@"))
		}
	}
	if len(mains) == 0 {
		t.Fatal("go list found no functions")
	}
	for _, m := range mains {
		fn := m[strings.LastIndex(m, "/")+1:]
		deps, err := exec.Command("go", "list", "-deps", m).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", m, err)
		}
		forbidden := append(append([]string{}, noFunctionLinks...), mustNotLink[base.GroupOf(fn)]...)
		for _, dep := range strings.Fields(string(deps)) {
			for _, bad := range forbidden {
				if strings.HasSuffix(dep, bad) || strings.Contains(dep, bad+"/") {
					t.Errorf("%s (group %s) links %s", fn, base.GroupOf(fn), dep)
				}
			}
		}
	}
}
