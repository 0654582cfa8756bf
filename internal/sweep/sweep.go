// Package sweep is the adapter of the scheduled functions: EventBridge
// Scheduler (or the local gateway's ticker, or `partnerctl invoke`) calls
// them with a payload they ignore, and they answer with what they did.
package sweep

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Expiry is the expire-invitations function's Lambda handler.
type Expiry struct {
	Expirer *partners.Expirer
	Log     *slog.Logger
}

// Handle runs one sweep. Its answer (and log line) is what it did; an
// error fails the invocation, for the schedule's retry and the alarm, after
// the part that could be done was done.
func (h *Expiry) Handle(ctx context.Context, _ json.RawMessage) (partners.ExpiryReport, error) {
	report, err := h.Expirer.Run(partners.WithLog(ctx, h.Log))
	if err != nil {
		h.Log.Error("expiry: run failed", "err", err, "expired", report.Expired, "failed", report.Failed)
	}
	return report, err
}
