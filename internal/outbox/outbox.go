// Package outbox is the DynamoDB Streams adapter: the table is an outbox,
// and writing certain items is what queues work. Handler hands each newly
// queued invitation issue to the domain's Deliverer (the email); Imports
// hands each queued import chunk to the import worker. Which records queue
// what is the store's contract (dynamostore's decoders and filters); this
// package only runs the work, in stream order.
package outbox

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
)

// Deliverer sends the email of one issue of an invitation.
type Deliverer interface {
	// Deliver returns nil when done (sent, superseded, or failed for good)
	// and an error when the record should be retried.
	Deliver(ctx context.Context, tenantID, invitationID string, sendSeq int) error
}

// Handler is the send-invitation-email function's Lambda handler.
type Handler struct {
	Deliverer Deliverer
	Log       *slog.Logger
}

// Handle delivers the queued issues of the batch in order, stopping at the
// first failure.
func (h *Handler) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	deliver := func(ctx context.Context, i dynamostore.QueuedIssue) error {
		return h.Deliverer.Deliver(ctx, i.TenantID, i.InvitationID, i.SendSeq)
	}
	return handleInOrder(ctx, e, dynamostore.DecodeQueuedIssue, deliver, h.Log, "outbox: delivery will be retried"), nil
}
