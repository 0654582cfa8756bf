package localgw

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Every plays an EventBridge Scheduler schedule: it invokes a function with
// a fixed event at a fixed interval, one invocation at a time, each bounded
// by the function's timeout.
type Every struct {
	Function string
	Handler  any
	Event    any
	Interval time.Duration
	Timeout  time.Duration
	Log      *slog.Logger
}

// Run invokes until ctx ends.
func (e *Every) Run(ctx context.Context) error {
	payload, err := json.Marshal(e.Event)
	if err != nil {
		return err
	}
	h := lambda.NewHandler(e.Handler)
	t := time.NewTicker(e.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		ictx, cancel := context.WithTimeout(WithFunction(ctx, e.Function), e.Timeout)
		if _, err := h.Invoke(ictx, payload); err != nil && ctx.Err() == nil {
			e.Log.Warn("schedule: invocation failed", "function", e.Function, "err", err)
		}
		cancel()
	}
}
