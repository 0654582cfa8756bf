package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// TestAwsSolutionsChecks runs cdk-nag's AwsSolutions rules on the stack:
// every finding is fixed, or suppressed in the stack's code with the
// reason written beside it (nag.go). An error or a warning that is neither
// fails the test, naming the rule and the resource.
func TestAwsSolutionsChecks(t *testing.T) {
	dir := t.TempDir()
	for _, fn := range apigw.Functions() {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	app := awscdk.NewApp(nil)
	s := NewStack(app, "Nag", &StackProps{Stage: "test", SenderEmail: "invites@acme.example", AssetDir: dir})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	annotations := assertions.Annotations_FromStack(s.Stack)
	match := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	var findings []string
	for _, m := range *annotations.FindError(jsii.String("*"), match) {
		findings = append(findings, "error   "+*m.Id+": "+firstLine(m.Entry.Data))
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), match) {
		findings = append(findings, "warning "+*m.Id+": "+firstLine(m.Entry.Data))
	}
	sort.Strings(findings)
	for _, f := range findings {
		t.Error(f)
	}
	t.Logf("cdk-nag AwsSolutions: %d unsuppressed findings", len(findings))
}

func firstLine(data any) string {
	s, _ := data.(string)
	s, _, _ = strings.Cut(s, "\n")
	return s
}
