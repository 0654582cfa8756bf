package testenv

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/partnerinvites/partnerinvites/internal/grants"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
)

// calls records, for every function, each AWS action its code called while
// the tests ran: every App that NewAPI builds records into it.
var calls = struct {
	sync.Mutex
	byFunction map[string]map[string]bool
}{byFunction: map[string]map[string]bool{}}

// recordCalls returns an APIOptions entry that records each call of a
// client under the function whose invocation made it (calls made outside
// any invocation — the tests' own set-up, the operator's tenant creation —
// are not a function's).
func recordCalls(service string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testenv.recordCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if fn := localgw.FunctionOf(ctx); fn != "" {
					action := service + ":" + middleware.GetOperationName(ctx)
					if action == "lambda:Invoke" {
						action = "lambda:InvokeFunction" // the API's operation, IAM's action
					}
					calls.Lock()
					if calls.byFunction[fn] == nil {
						calls.byFunction[fn] = map[string]bool{}
					}
					calls.byFunction[fn][action] = true
					calls.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}

func recordDynamoDB(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, recordCalls("dynamodb"))
}
func recordCognito(o *cip.Options) { o.APIOptions = append(o.APIOptions, recordCalls("cognito-idp")) }
func recordSES(o *sesv2.Options)   { o.APIOptions = append(o.APIOptions, recordCalls("ses")) }
func recordLambda(o *lambda.Options) {
	o.APIOptions = append(o.APIOptions, recordCalls("lambda"))
}

// CheckGrants compares what every function called in the tests with what
// internal/grants (and so the deployed stack) allows it: a call without a
// grant would be an AccessDenied in AWS, and is an error here. A package's
// TestMain calls it after its tests.
func CheckGrants() error {
	calls.Lock()
	defer calls.Unlock()
	var problems []string
	for fn, actions := range calls.byFunction {
		need, ok := grants.Of(fn)
		if !ok {
			problems = append(problems, fn+": no entry in internal/grants")
			continue
		}
		allowed := need.Actions()
		for action := range actions {
			if !slices.Contains(allowed, action) {
				problems = append(problems, fmt.Sprintf("%s called %s without a grant for it", fn, action))
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("calls without grants (add them to internal/grants, or stop making them):\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// Main runs a package's tests, then fails the package if any function
// called AWS without a grant for it: what a package's TestMain calls.
func Main(m *testing.M) {
	code := m.Run()
	if err := CheckGrants(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	os.Exit(code)
}
