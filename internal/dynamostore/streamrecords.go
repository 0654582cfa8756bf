package dynamostore

import (
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The attributes the stream's consumers select on, in their decoders and in
// their filter patterns alike.
const (
	attrType           = "type"
	attrDeliveryStatus = "delivery_status"
	attrDone           = "done"
)

// QueuedIssue is an issue of an invitation whose email waits to be sent.
type QueuedIssue struct {
	TenantID, InvitationID string
	SendSeq                int
}

// DecodeQueuedIssue reports whether a stream record is an issue of an
// invitation waiting for its email: a queued delivery whose send_seq is new,
// or which the sender put back in the queue after a failed attempt (its
// delivery_requeues changed). Other writes to the same issue do not trigger
// it again.
func DecodeQueuedIssue(rec events.DynamoDBEventRecord) (QueuedIssue, bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return QueuedIssue{}, false
	}
	img := rec.Change.NewImage
	if streamAttr(img, attrType) != TypeInvitation || streamAttr(img, attrDeliveryStatus) != string(partners.DeliveryQueued) {
		return QueuedIssue{}, false
	}
	seq, err := strconv.Atoi(streamAttr(img, "send_seq"))
	if err != nil {
		return QueuedIssue{}, false
	}
	if old := rec.Change.OldImage; old != nil && streamAttr(old, "send_seq") == streamAttr(img, "send_seq") &&
		streamAttr(old, "delivery_requeues") == streamAttr(img, "delivery_requeues") {
		return QueuedIssue{}, false
	}
	return QueuedIssue{TenantID: streamAttr(img, "tenant_id"), InvitationID: streamAttr(img, "id"), SendSeq: seq}, true
}

// LogValue names the issue in a log line.
func (i QueuedIssue) LogValue() slog.Value {
	return slog.GroupValue(slog.String("invitation_id", i.InvitationID), slog.Int("send_seq", i.SendSeq))
}

// QueuedChunk is a chunk of an import waiting for the import worker.
type QueuedChunk struct {
	TenantID, ImportID string
	Index              int
}

// DecodeQueuedChunk reports whether a stream record is a chunk of an import
// to process: a new chunk, or one put back in the queue (its waits
// changed), that is not done. Its other writes (the results, done) do not
// trigger it again.
func DecodeQueuedChunk(rec events.DynamoDBEventRecord) (QueuedChunk, bool) {
	img := rec.Change.NewImage
	if streamAttr(img, attrType) != TypeImportChunk {
		return QueuedChunk{}, false
	}
	requeued := rec.EventName == string(events.DynamoDBOperationTypeModify) && rec.Change.OldImage != nil &&
		streamAttr(rec.Change.OldImage, "waits") != streamAttr(img, "waits")
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && !requeued {
		return QueuedChunk{}, false
	}
	if done, ok := img[attrDone]; ok && done.DataType() == events.DataTypeBoolean && done.Boolean() {
		return QueuedChunk{}, false
	}
	index, err := strconv.Atoi(streamAttr(img, "chunk"))
	if err != nil {
		return QueuedChunk{}, false
	}
	return QueuedChunk{TenantID: streamAttr(img, "tenant_id"), ImportID: streamAttr(img, "import_id"), Index: index}, true
}

// LogValue names the chunk in a log line.
func (c QueuedChunk) LogValue() slog.Value {
	return slog.GroupValue(slog.String("import_id", c.ImportID), slog.Int("chunk", c.Index))
}

// streamAttr reads a string or number attribute of a stream image as text;
// "" when absent, so that a missing attribute compares like an empty one.
func streamAttr(img map[string]events.DynamoDBAttributeValue, name string) string {
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
