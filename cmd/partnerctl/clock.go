package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// clockCmd shows or moves the local stack's test clock.
func clockCmd(ctx context.Context, env environ, args []string, stdout io.Writer) error {
	a, err := newApp(ctx, env)
	if err != nil {
		return err
	}
	clock := testClock(a)
	if err := clock.Refresh(ctx); err != nil {
		return fmt.Errorf("%w (run partnerctl bootstrap first)", err)
	}
	switch {
	case len(args) == 0:
	case args[0] == "advance" && len(args) == 2:
		d, err := time.ParseDuration(args[1])
		if err != nil {
			return usageError{fmt.Sprintf("clock advance needs a duration such as 49h or 30m, not %q", args[1])}
		}
		if _, err := clock.Advance(ctx, d); err != nil {
			return err
		}
	case args[0] == "reset" && len(args) == 1:
		if err := clock.Reset(ctx); err != nil {
			return err
		}
	default:
		return usageError{"clock takes no argument, advance DURATION, or reset"}
	}
	return printJSON(stdout, map[string]any{
		"now": clock.Now().UTC().Format(time.RFC3339), "offset": clock.Offset().String(), "real_time": time.Now().UTC().Format(time.RFC3339),
	})
}
