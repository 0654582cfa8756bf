package dynamostore

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// StreamFilter is one filter pattern of an event source mapping on the
// table's stream. Lambda invokes a consumer only with the records that match
// one of its filters, so that it is not woken (and billed) for every write
// to the table. A record matches when its event is EventName and its new
// image has each attribute named, with that value.
//
// A filter sees one image at a time, so it can only narrow the records
// down: what needs the old image too (a new send_seq, a requeue) is the
// decoder's to tell. The decoder repeats the filter's tests on every record
// the store writes, so that a reader without filters (the local stream
// poller) hands a consumer the same work.
type StreamFilter struct {
	EventName events.DynamoDBOperationType
	Strings   map[string]string // string (S) attributes
	Bools     map[string]bool   // boolean (BOOL) attributes
	// OneOf are string attributes that may have any of the values.
	OneOf map[string][]string
	// OldImage matches the attributes on the old image instead: for
	// removals, which have no new one.
	OldImage bool
}

// Pattern is the filter in Lambda's pattern syntax, as the JSON object
// that the CDK's FilterCriteria.filter takes (and Lambda stores as text).
func (f StreamFilter) Pattern() map[string]any {
	img := map[string]any{}
	for name, v := range f.Strings {
		img[name] = map[string]any{"S": []any{v}}
	}
	for name, vs := range f.OneOf {
		values := make([]any, len(vs))
		for i, v := range vs {
			values[i] = v
		}
		img[name] = map[string]any{"S": values}
	}
	for name, v := range f.Bools {
		img[name] = map[string]any{"BOOL": []any{v}}
	}
	image := "NewImage"
	if f.OldImage {
		image = "OldImage"
	}
	return map[string]any{"eventName": []any{string(f.EventName)}, "dynamodb": map[string]any{image: img}}
}

// QueuedIssueFilters select the records DecodeQueuedIssue may accept, for
// the email sender: every new invitation, and every change to one whose
// delivery is queued.
func QueuedIssueFilters() []StreamFilter {
	return []StreamFilter{
		{EventName: events.DynamoDBOperationTypeInsert, Strings: map[string]string{attrType: TypeInvitation}},
		{EventName: events.DynamoDBOperationTypeModify, Strings: map[string]string{
			attrType: TypeInvitation, attrDeliveryStatus: string(partners.DeliveryQueued),
		}},
	}
}

// EmailFilters select the records the email sender may act on: queued
// invitation issues and queued password reset requests (four patterns;
// Lambda allows five per event source mapping).
func EmailFilters() []StreamFilter {
	return append(QueuedIssueFilters(), QueuedResetFilters()...)
}

// QueuedResetFilters select the records DecodeQueuedReset may accept, for
// the email sender: every change to a password reset that is queued.
func QueuedResetFilters() []StreamFilter {
	queued := map[string]string{attrType: TypePasswordReset, attrResetStatus: string(partners.ResetQueued)}
	return []StreamFilter{
		{EventName: events.DynamoDBOperationTypeInsert, Strings: queued},
		{EventName: events.DynamoDBOperationTypeModify, Strings: queued},
	}
}

// QueuedChunkFilters select the records DecodeQueuedChunk may accept, for
// the import worker: every new chunk, and every change to one that is not
// done (a chunk put back in the queue, waiting for its job).
func QueuedChunkFilters() []StreamFilter {
	return []StreamFilter{
		{EventName: events.DynamoDBOperationTypeInsert, Strings: map[string]string{attrType: TypeImportChunk}},
		{EventName: events.DynamoDBOperationTypeModify, Strings: map[string]string{attrType: TypeImportChunk}, Bools: map[string]bool{attrDone: false}},
	}
}
