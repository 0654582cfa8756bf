package outbox

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
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
	process := func(ctx context.Context, c dynamostore.QueuedChunk) error {
		return h.Processor.ProcessImportChunk(ctx, c.TenantID, c.ImportID, c.Index)
	}
	return handleInOrder(ctx, e, dynamostore.DecodeQueuedChunk, process, h.Log, "imports: chunk will be retried"), nil
}
