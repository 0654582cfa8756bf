package partners

import (
	"context"
	"log/slog"
)

type logKey struct{}

// WithLog returns a context whose domain logs go to log: the transport puts
// its request-scoped logger (with the request id) there, so that what the
// domain logs can be found beside the request.
func WithLog(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, log)
}

// logFrom returns the context's logger, or the default one.
func logFrom(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(logKey{}).(*slog.Logger); ok && log != nil {
		return log
	}
	return slog.Default()
}
