package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

func newApp(t *testing.T) *app.App {
	t.Helper()
	// No request below reaches DynamoDB, so any table name will do.
	a, err := app.New(context.Background(), testenv.Env("unused"), app.Options{LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pickedMethod finds the handler method a main picks: a.API.ListPartners.
var pickedMethod = regexp.MustCompile(`return a\.[A-Za-z().]*\.([A-Z][A-Za-z]*) }`)

// groupPackage is the package under internal/app that wires each group.
var groupPackage = map[base.Group]string{
	base.GroupBase: "base", base.GroupPhones: "phoneapp", base.GroupLogins: "loginapp", base.GroupMail: "mailapp",
	base.GroupEvents: "eventsapp", base.GroupWebhooks: "hooksapp",
}

func TestEveryFunctionHasAMainAndAHandler(t *testing.T) {
	handlers := newApp(t).Handlers()
	var names []string
	for name := range handlers {
		names = append(names, name)
	}
	want := apigw.Functions()
	sort.Strings(names)
	sort.Strings(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("handlers vs route table (-table +handlers):\n%s", diff)
	}
	dirs, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, d := range dirs {
		folders = append(folders, d.Name())
		src, err := os.ReadFile(filepath.Join("..", "..", "functions", d.Name(), "main.go"))
		if err != nil {
			t.Errorf("functions/%s: %v", d.Name(), err)
			continue
		}
		pkg := groupPackage[base.GroupOf(d.Name())]
		for _, want := range []string{`lambda.Start(` + pkg + `.Main("` + d.Name() + `"`, `"github.com/partnerinvites/partnerinvites/internal/app/` + pkg + `"`} {
			if !strings.Contains(string(src), want) {
				t.Errorf("functions/%s/main.go does not have %s", d.Name(), want)
			}
		}
		// The handler the main picks is the one the tests run (Handlers).
		if m := pickedMethod.FindStringSubmatch(string(src)); m != nil {
			got := runtime.FuncForPC(reflect.ValueOf(handlers[d.Name()]).Pointer()).Name()
			if !strings.HasSuffix(got, "."+m[1]+"-fm") {
				t.Errorf("functions/%s/main.go starts %s; the tests run %s", d.Name(), m[1], got)
			}
		} else if g := base.GroupOf(d.Name()); g != base.GroupMail && g != base.GroupEvents {
			t.Errorf("functions/%s/main.go picks no handler method", d.Name())
		}
	}
	if diff := cmp.Diff(want, folders); diff != "" {
		t.Errorf("functions/ folders vs route table (-table +folders):\n%s", diff)
	}
}

func TestLoadConfigNamesEveryProblem(t *testing.T) {
	_, err := app.LoadConfig(func(k string) string {
		return map[string]string{"SECRET_KEY": "short", "LOG_LEVEL": "loud"}[k]
	})
	for _, want := range []string{"TABLE_NAME", "SECRET_KEY must be 32 bytes", "LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// NewDynamoDB skips the response checksum exactly when an endpoint override
// is set, wherever the override came from, without reading the environment.
func TestNewDynamoDBSkipsChecksumOnlyAgainstAnOverride(t *testing.T) {
	tests := []struct {
		name string
		cfg  aws.Config
		opts []func(*dynamodb.Options)
		skip bool
	}{
		{"AWS", aws.Config{Region: "us-east-1"}, nil, false},
		{"override in the config", aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:8000")}, nil, true},
		{"override in an option", aws.Config{Region: "us-east-1"}, []func(*dynamodb.Options){func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String("http://127.0.0.1:8000")
		}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noEnv := func(string) string { return "" }
			if got := base.NewDynamoDB(tt.cfg, noEnv, tt.opts...).Options().DisableValidateResponseChecksum; got != tt.skip {
				t.Errorf("DisableValidateResponseChecksum = %v, want %v", got, tt.skip)
			}
		})
	}
}

// TestEveryAPIKeyRouteRefusesUnauthenticatedCallers holds every handler
// behind the authorizer to refusing a request the authorizer let through
// without a tenant (it does so for unknown and revoked keys).
func TestEveryAPIKeyRouteRefusesUnauthenticatedCallers(t *testing.T) {
	handlers := newApp(t).Handlers()
	for _, r := range apigw.Routes {
		if r.Auth != apigw.AuthAPIKey {
			continue
		}
		sample, err := os.ReadFile(filepath.Join("..", "..", "events", r.Function+".json"))
		if err != nil {
			t.Fatal(err)
		}
		contexts := map[string]*events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			"no authorizer context": nil,
			"refused key":           {Lambda: map[string]any{"auth_error": "The API key has been revoked."}},
			"no role":               {Lambda: map[string]any{"tenant_id": "ten_X"}},
		}
		for name, authz := range contexts {
			t.Run(r.Function+"/"+name, func(t *testing.T) {
				var e events.APIGatewayV2HTTPRequest
				if err := json.Unmarshal(sample, &e); err != nil {
					t.Fatal(err)
				}
				e.RequestContext.Authorizer = authz
				payload, _ := json.Marshal(e)
				out, err := lambda.NewHandler(handlers[r.Function]).Invoke(context.Background(), payload)
				if err != nil {
					t.Fatal(err)
				}
				var resp events.APIGatewayV2HTTPResponse
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusUnauthorized || resp.Headers["Content-Type"] != "application/problem+json" {
					t.Errorf("got %d %s", resp.StatusCode, resp.Body)
				}
			})
		}
	}
}
