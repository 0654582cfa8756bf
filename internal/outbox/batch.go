package outbox

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// handleInOrder hands each record of the batch that decode accepts to
// handle, in order, and skips the others. At the first failure it stops and
// reports that record, so that the stream retries from it and no record
// after it is handled twice (report batch item failures, for streams).
// handle logs its own failure: it knows what the record was.
func handleInOrder[T any](ctx context.Context, e events.DynamoDBEvent, decode func(events.DynamoDBEventRecord) (T, bool), handle func(context.Context, T) error) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	for _, rec := range e.Records {
		item, ok := decode(rec)
		if !ok {
			continue
		}
		if err := handle(ctx, item); err != nil {
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp
		}
	}
	return resp
}
