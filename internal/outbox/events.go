package outbox

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Events is the publish-events function's Lambda handler: each committed
// change of a partner, partner user or invitation becomes its events.
type Events struct {
	Publisher *partners.EventPublisher
	Log       *slog.Logger
}

// change is a decoded record, named in log lines by its source.
type change struct{ partners.Change }

func (c change) LogValue() slog.Value { return slog.GroupValue(slog.String("change", c.Source)) }

// Handle publishes the events of the batch's changes in stream order, so
// that the events of one subject keep their order; at the first failure the
// stream retries from that record.
func (h *Events) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	decode := func(rec events.DynamoDBEventRecord) (change, bool) {
		c, ok, err := dynamostore.DecodeChange(rec)
		if err != nil {
			// A record our own decoder cannot read is a bug of ours; holding
			// the shard on it would stall every tenant's events behind it.
			// It is logged for the alarm and skipped.
			h.Log.Error("events: undecodable record skipped", "sequence_number", rec.Change.SequenceNumber, "err", err)
			return change{}, false
		}
		return change{c}, ok
	}
	publish := func(ctx context.Context, c change) error {
		if c.OldInvitation != nil && c.NewInvitation == nil {
			// Only the table's TTL deletes invitations.
			return h.Publisher.Purged(ctx, *c.OldInvitation)
		}
		return h.Publisher.Publish(ctx, c.Change)
	}
	return handleInOrder(ctx, e, decode, publish, h.Log, "events: publishing will be retried"), nil
}
