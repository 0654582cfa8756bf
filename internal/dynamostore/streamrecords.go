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
	attrResetStatus    = "reset_status"
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

// QueuedReset is a password reset request whose email (or its absence)
// waits to be decided and sent.
type QueuedReset struct {
	TenantID, Email string
	Seq             int
}

// DecodeQueuedReset reports whether a stream record is a password reset
// request waiting for the sender: a queued reset whose reset_seq is new, or
// which the sender put back in the queue (its requeues changed). Other
// writes (its link, its use) do not trigger it again.
func DecodeQueuedReset(rec events.DynamoDBEventRecord) (QueuedReset, bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return QueuedReset{}, false
	}
	img := rec.Change.NewImage
	if streamAttr(img, attrType) != TypePasswordReset || streamAttr(img, attrResetStatus) != string(partners.ResetQueued) {
		return QueuedReset{}, false
	}
	seq, err := strconv.Atoi(streamAttr(img, "reset_seq"))
	if err != nil {
		return QueuedReset{}, false
	}
	if old := rec.Change.OldImage; old != nil && streamAttr(old, "reset_seq") == streamAttr(img, "reset_seq") &&
		streamAttr(old, "requeues") == streamAttr(img, "requeues") {
		return QueuedReset{}, false
	}
	return QueuedReset{TenantID: streamAttr(img, "tenant_id"), Email: streamAttr(img, "email"), Seq: seq}, true
}

// LogValue names the request in a log line: its tenant and number, never
// its address.
func (r QueuedReset) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant_id", r.TenantID), slog.Int("reset_seq", r.Seq))
}

// QueuedEmail is one piece of the email sender's work: an invitation's
// issue or a password reset request (exactly one is set).
type QueuedEmail struct {
	Issue *QueuedIssue
	Reset *QueuedReset
}

// DecodeQueuedEmail decodes the records the email sender acts on.
func DecodeQueuedEmail(rec events.DynamoDBEventRecord) (QueuedEmail, bool) {
	if i, ok := DecodeQueuedIssue(rec); ok {
		return QueuedEmail{Issue: &i}, true
	}
	if r, ok := DecodeQueuedReset(rec); ok {
		return QueuedEmail{Reset: &r}, true
	}
	return QueuedEmail{}, false
}

// LogValue names the work in a log line.
func (q QueuedEmail) LogValue() slog.Value {
	if q.Issue != nil {
		return q.Issue.LogValue()
	}
	if q.Reset != nil {
		return q.Reset.LogValue()
	}
	return slog.Value{}
}
