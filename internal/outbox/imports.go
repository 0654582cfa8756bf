package outbox

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// ChunkProcessor invites the rows of one import chunk.
type ChunkProcessor interface {
	// ProcessImportChunk returns nil when the chunk is done (now or before)
	// and an error when the record should be retried.
	ProcessImportChunk(ctx context.Context, tenantID, importID string, index int) error
}

// Imports is the process-import function's Lambda handler.
type Imports struct {
	Processor ChunkProcessor
	Log       *slog.Logger
}

// Handle processes the queued chunks of the batch in order, stopping at the
// first failure as Handler does.
func (h *Imports) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range e.Records {
		img := rec.Change.NewImage
		if attr(img, "type") != "import_chunk" {
			continue
		}
		// A new chunk, or one put back in the queue (its waits changed).
		requeued := rec.EventName == string(events.DynamoDBOperationTypeModify) && rec.Change.OldImage != nil &&
			attr(rec.Change.OldImage, "waits") != attr(img, "waits")
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) && !requeued {
			continue
		}
		if done, ok := img["done"]; ok && done.DataType() == events.DataTypeBoolean && done.Boolean() {
			continue
		}
		index, err := strconv.Atoi(attr(img, "chunk"))
		if err != nil {
			continue
		}
		if err := h.Processor.ProcessImportChunk(ctx, attr(img, "tenant_id"), attr(img, "import_id"), index); err != nil {
			h.Log.Warn("imports: chunk will be retried", "import_id", attr(img, "import_id"), "chunk", index, "err", err)
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp, nil
		}
	}
	return resp, nil
}
