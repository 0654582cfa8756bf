// Package outbox is the DynamoDB Streams adapter: the table is an outbox,
// and writing certain items is what queues work. Handler hands each newly
// queued invitation issue to the domain's Deliverer (the email); Imports
// hands each queued import chunk to the import worker.
package outbox

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
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

// Handle delivers the batch in order. At the first failure it stops and
// reports that record, so that the stream retries from it and no record
// after it is sent twice (report batch item failures, for streams).
func (h *Handler) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range e.Records {
		issue, ok := queuedIssue(rec)
		if !ok {
			continue
		}
		if err := h.Deliverer.Deliver(ctx, issue.tenantID, issue.invitationID, issue.sendSeq); err != nil {
			h.Log.Warn("outbox: delivery will be retried", "invitation_id", issue.invitationID, "send_seq", issue.sendSeq, "err", err)
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp, nil
		}
	}
	return resp, nil
}

type issue struct {
	tenantID, invitationID string
	sendSeq                int
}

// queuedIssue reports whether a stream record is an issue of an invitation
// waiting for its email: a queued delivery whose send_seq is new, or which
// the sender put back in the queue after a failed attempt (its
// delivery_requeues changed). Other writes to the same issue do not trigger
// it again.
func queuedIssue(rec events.DynamoDBEventRecord) (issue, bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return issue{}, false
	}
	img := rec.Change.NewImage
	if attr(img, "type") != "invitation" || attr(img, "delivery_status") != "queued" {
		return issue{}, false
	}
	seq, err := strconv.Atoi(attr(img, "send_seq"))
	if err != nil {
		return issue{}, false
	}
	if old := rec.Change.OldImage; old != nil && attr(old, "send_seq") == attr(img, "send_seq") &&
		attr(old, "delivery_requeues") == attr(img, "delivery_requeues") {
		return issue{}, false
	}
	return issue{tenantID: attr(img, "tenant_id"), invitationID: attr(img, "id"), sendSeq: seq}, true
}

// attr reads a string or number attribute as text; "" when absent.
func attr(img map[string]events.DynamoDBAttributeValue, name string) string {
	v, ok := img[name]
	if !ok {
		return ""
	}
	switch v.DataType() {
	case events.DataTypeString:
		return v.String()
	case events.DataTypeNumber:
		return v.Number()
	}
	return ""
}
