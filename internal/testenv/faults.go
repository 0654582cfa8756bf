package testenv

import (
	"context"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// CognitoFault makes chosen Cognito operations fail, as the service would,
// before the request leaves the client (and before the SDK's retries).
type CognitoFault struct {
	mu    sync.Mutex
	fails map[string][]string // operation → error codes still to return, in order
	seen  map[string]int
}

// NewCognitoFault returns a fault injector that fails nothing yet.
func NewCognitoFault() *CognitoFault {
	return &CognitoFault{fails: map[string][]string{}, seen: map[string]int{}}
}

// FailNext makes the next calls of op fail with these error codes, one each.
func (f *CognitoFault) FailNext(op string, codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[op] = append(f.fails[op], codes...)
}

// Calls returns how many calls of op reached the injector.
func (f *CognitoFault) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[op]
}

// Option is what app.Options.CognitoOptions takes.
func (f *CognitoFault) Option(o *cip.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testenv.CognitoFault",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := middleware.GetOperationName(ctx)
				f.mu.Lock()
				f.seen[op]++
				var code string
				if codes := f.fails[op]; len(codes) > 0 {
					code, f.fails[op] = codes[0], codes[1:]
				}
				f.mu.Unlock()
				if code != "" {
					return middleware.InitializeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{Code: code, Message: "injected by the test"}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}
