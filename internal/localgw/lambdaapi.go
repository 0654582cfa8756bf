package localgw

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// invocationsPrefix starts the path of Lambda's Invoke API:
// POST /2015-03-31/functions/{name}/invocations.
const invocationsPrefix = "/2015-03-31/functions/"

// invoker plays Lambda's Invoke API for the functions of the gateway, so
// that a function that invokes another (publish-events waking
// deliver-webhooks) does so locally with the SDK's own client, pointed here
// by AWS_ENDPOINT_URL_LAMBDA. An Event invocation runs in the background,
// as Lambda queues it; RequestResponse answers with the function's output.
type invoker struct {
	functions map[string]lambda.Handler
	timeouts  func(function string) time.Duration
	ctx       context.Context
	stop      context.CancelFunc
	running   sync.WaitGroup
	log       interface{ Error(string, ...any) }
}

func (v *invoker) serve(w http.ResponseWriter, req *http.Request) {
	name, ok := strings.CutSuffix(strings.TrimPrefix(req.URL.Path, invocationsPrefix), "/invocations")
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):] // an ARN names it too
	}
	h, known := v.functions[name]
	if req.Method != http.MethodPost || !ok || !known {
		gatewayError(w, http.StatusNotFound, "Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(req.Body, 256<<10))
	if err != nil {
		gatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	run := func(ctx context.Context) ([]byte, error) {
		ctx, cancel := context.WithTimeout(WithFunction(ctx, name), v.timeouts(name))
		defer cancel()
		return h.Invoke(ctx, payload)
	}
	if req.Header.Get("X-Amz-Invocation-Type") == "Event" {
		v.running.Add(1)
		go func() {
			defer v.running.Done()
			if _, err := run(v.ctx); err != nil && v.ctx.Err() == nil {
				v.log.Error("local lambda: asynchronous invocation failed", "function", name, "err", err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, err := run(req.Context())
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		out = []byte(`{"errorMessage":"function failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// ServeLambda makes the gateway answer Lambda's Invoke API for every
// function in handlers, each invocation bounded by its timeout. Close
// stops the background invocations and waits for them.
func (g *Gateway) ServeLambda(handlers map[string]any, timeout func(function string) time.Duration) {
	ctx, stop := context.WithCancel(context.Background())
	v := &invoker{functions: map[string]lambda.Handler{}, timeouts: timeout, ctx: ctx, stop: stop, log: g.log}
	for name, h := range handlers {
		v.functions[name] = lambda.NewHandler(h)
	}
	g.lambda = v
}

// Close cancels the background invocations and waits for them to end.
func (g *Gateway) Close() {
	if g.lambda != nil {
		g.lambda.stop()
		g.lambda.running.Wait()
	}
}
