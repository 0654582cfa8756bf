// Package outbox is the DynamoDB Streams adapter: the table is an outbox,
// and writing certain items is what queues work. Handler hands each newly
// queued invitation issue to the domain's Deliverer (the email) and each
// queued password reset request to its ResetDeliverer; Imports hands each
// queued import chunk to the import worker. Which records queue what is
// the store's contract (dynamostore's decoders and filters); this package
// only runs the work, in stream order.
package outbox

import (
	"context"
	"errors"
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

// ResetDeliverer decides and sends the email of one password reset request.
type ResetDeliverer interface {
	// Deliver returns nil when done (sent, nothing to send, superseded,
	// failed for good) and an error when the record should be retried.
	Deliver(ctx context.Context, tenantID, email string, seq int) error
}

// Handler is the send-invitation-email function's Lambda handler.
type Handler struct {
	Deliverer Deliverer
	Resets    ResetDeliverer
	Log       *slog.Logger
}

// errNoResets: a reset request reached a sender built without Resets.
var errNoResets = errors.New("this email sender does not send password resets")

// Handle delivers the queued issues and reset requests of the batch in
// order, stopping at the first failure.
func (h *Handler) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	deliver := func(ctx context.Context, q dynamostore.QueuedEmail) error {
		if i := q.Issue; i != nil {
			return h.Deliverer.Deliver(ctx, i.TenantID, i.InvitationID, i.SendSeq)
		}
		if h.Resets == nil {
			return errNoResets
		}
		return h.Resets.Deliver(ctx, q.Reset.TenantID, q.Reset.Email, q.Reset.Seq)
	}
	return handleInOrder(ctx, e, dynamostore.DecodeQueuedEmail, deliver, h.Log, "outbox: delivery will be retried"), nil
}
