package localgw

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// TokenTriggerOfThisStack wraps the token trigger for `partnerctl dev`,
// which is the trigger relay's fallback (internal/triggerrelay): every pool
// no test routed reaches it, the tests' own pools among them when tests run
// beside it. It runs the trigger for the pools of its own table, and
// answers the others with the event unchanged (as a pool without the
// trigger would), so that a test's sign-in never fails on this stack's
// table.
func TokenTriggerOfThisStack(pools partners.PoolDirectory, h func(context.Context, events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error)) func(context.Context, events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error) {
	return func(ctx context.Context, e events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error) {
		if _, err := pools.TenantOfPool(ctx, e.UserPoolID); partners.IsKind(err, partners.NotFound) {
			return e, nil
		}
		return h(ctx, e)
	}
}

// SetTriggerFallback makes the trigger relay at relayURL send the pools no
// test routed to the Lambda Invoke API at target ("" removes it).
func SetTriggerFallback(ctx context.Context, relayURL, target string) error {
	method := http.MethodPut
	if target == "" {
		method = http.MethodDelete
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(relayURL, "/")+"/fallback", strings.NewReader(target))
	if err != nil {
		return fmt.Errorf("trigger relay: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("trigger relay at %s: %w", relayURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("trigger relay at %s: %s", relayURL, resp.Status)
	}
	return nil
}
