package testenv

import (
	"context"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Fault makes chosen AWS operations fail, as the service would, before the
// request leaves the client (and before the SDK's retries): a fault
// injector for any SDK client, installed through its APIOptions.
type Fault struct {
	mu    sync.Mutex
	fails map[string][]string // operation → error codes still to return, in order
	rules []rule
	seen  map[string]int
}

type rule struct {
	op    string
	match func(params any) bool
	code  string
}

// NewFault returns a fault injector that fails nothing yet.
func NewFault() *Fault {
	return &Fault{fails: map[string][]string{}, seen: map[string]int{}}
}

// FailNext makes the next calls of op fail with these error codes, one each.
func (f *Fault) FailNext(op string, codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[op] = append(f.fails[op], codes...)
}

// FailWhile makes every call of op whose input matches fail with code.
func (f *Fault) FailWhile(op string, match func(params any) bool, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{op: op, match: match, code: code})
}

// Calls returns how many calls of op reached the injector.
func (f *Fault) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[op]
}

// Option installs the injector in a Cognito client (app.Options.CognitoOptions).
func (f *Fault) Option(o *cip.Options) { o.APIOptions = append(o.APIOptions, f.middleware) }

// DynamoDBOption installs the injector in a DynamoDB client (app.Options.DynamoDBOptions).
func (f *Fault) DynamoDBOption(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, f.middleware)
}

// SESOption installs the injector in an SES client (app.Options.SESOptions).
func (f *Fault) SESOption(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, f.middleware) }

func (f *Fault) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testenv.Fault",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if code := f.take(middleware.GetOperationName(ctx), in.Parameters); code != "" {
				return middleware.InitializeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{Code: code, Message: "injected by the test"}
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

func (f *Fault) take(op string, params any) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[op]++
	if codes := f.fails[op]; len(codes) > 0 {
		f.fails[op] = codes[1:]
		return codes[0]
	}
	for _, r := range f.rules {
		if r.op == op && r.match(params) {
			return r.code
		}
	}
	return ""
}
