package webhooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// SenderEvent is what the deliver-webhooks function is invoked with: the
// deliveries to attempt now (a wake), or none (the schedule: every due one).
type SenderEvent struct {
	Deliveries []partners.WebhookDeliveryRef `json:"deliveries,omitempty"`
}

// Sender is the deliver-webhooks function's Lambda handler.
type Sender struct {
	Sender *partners.WebhookSender
	Log    *slog.Logger
}

// Handle attempts the event's deliveries, or every due one, and reports
// what it did. Failed attempts are not errors: they are recorded and
// retried; an error is the store's, and the next run starts over.
func (s *Sender) Handle(ctx context.Context, e SenderEvent) (partners.SendResult, error) {
	start := time.Now()
	ctx = partners.WithLog(ctx, s.Log)
	res, err := s.Sender.Run(ctx, e.Deliveries)
	trigger := "schedule"
	if len(e.Deliveries) > 0 {
		trigger = "wake"
	}
	if err != nil {
		s.Log.Error("webhooks: run failed", "trigger", trigger, "err", err)
		return res, err
	}
	s.Log.Info("webhooks: run", "trigger", trigger, "attempted", res.Attempted, "succeeded", res.Succeeded,
		"failed", res.Failed, "skipped", res.Skipped, "duration_ms", time.Since(start).Milliseconds())
	return res, nil
}
