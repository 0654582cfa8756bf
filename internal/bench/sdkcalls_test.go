package bench

// What the functions ask of AWS, watched from outside the product: SDK
// middlewares that app.Options hands to every function's clients (as
// testenv's grant checks do), so that no product code changes for a
// benchmark. A call is the function's whose invocation made it
// (localgw.FunctionOf); the tests' own calls (set-up, floors) are nobody's
// and are not counted. Here: how long each call takes (BenchmarkAccept);
// the capacity meter is in capacity_test.go.

import (
	"context"
	"sync"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/partnerinvites/partnerinvites/internal/localgw"
)

// callLog records how long each AWS call of the functions took.
type callLog struct {
	mu    sync.Mutex
	calls []timedCall
}

type timedCall struct {
	function string
	// name is the service, the operation and, for a one-item DynamoDB
	// call or a transaction, the kind of (first) item: "dynamodb GetItem
	// token".
	name  string
	start time.Time
	took  time.Duration
}

func (l *callLog) middleware(service string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.callLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				took := time.Since(start)
				if fn := localgw.FunctionOf(ctx); fn != "" {
					name := service + " " + middleware.GetOperationName(ctx)
					if key := keyOf(in.Parameters); key != nil {
						name += " " + itemLabel(key)
					}
					l.mu.Lock()
					l.calls = append(l.calls, timedCall{function: fn, name: name, start: start, took: took})
					l.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	}
}

// keyOf is the key of a one-item DynamoDB call, or of a transaction's
// first item (which names it: a transaction of invitations starts with
// their email claim); nil for any other call.
func keyOf(params any) map[string]types.AttributeValue {
	switch in := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		if len(in.TransactItems) == 0 {
			return nil
		}
		switch t := in.TransactItems[0]; {
		case t.Put != nil:
			return t.Put.Item
		case t.Update != nil:
			return t.Update.Key
		case t.Delete != nil:
			return t.Delete.Key
		case t.ConditionCheck != nil:
			return t.ConditionCheck.Key
		}
	case *dynamodb.GetItemInput:
		return in.Key
	case *dynamodb.UpdateItemInput:
		return in.Key
	case *dynamodb.DeleteItemInput:
		return in.Key
	case *dynamodb.PutItemInput:
		return in.Item
	}
	return nil
}

func (l *callLog) dynamoDB(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, l.middleware("dynamodb"))
}

func (l *callLog) cognito(o *cip.Options) {
	o.APIOptions = append(o.APIOptions, l.middleware("cognito-idp"))
}

// take returns the calls recorded since the last take, and forgets them.
func (l *callLog) take() []timedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	calls := l.calls
	l.calls = nil
	return calls
}
