package outbox

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// handleInOrder hands each record of the batch that decode accepts to
// handle, in order, and skips the others. At the first failure it logs
// retrying, stops and reports that record, so that the stream retries from
// it and no record after it is handled twice (report batch item failures,
// for streams).
func handleInOrder[T slog.LogValuer](ctx context.Context, e events.DynamoDBEvent, decode func(events.DynamoDBEventRecord) (T, bool),
	handle func(context.Context, T) error, log *slog.Logger, retrying string) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	for _, rec := range e.Records {
		item, ok := decode(rec)
		if !ok {
			continue
		}
		// What the domain logs while handling it names the item too.
		if err := handle(partners.WithLog(ctx, log.With(slog.Any("", item))), item); err != nil {
			// The item's attributes (an attribute without a key is
			// inlined) name it, then the error.
			log.Warn(retrying, slog.Any("", item), "err", err)
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp
		}
	}
	return resp
}
