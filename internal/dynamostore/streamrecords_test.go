package dynamostore_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
)

// The images spell the stored values out, not the package's constants: a
// change to what is stored is a change to the contract, and fails here.
type image = map[string]events.DynamoDBAttributeValue

var (
	insert  = events.DynamoDBOperationTypeInsert
	modify  = events.DynamoDBOperationTypeModify
	remove  = events.DynamoDBOperationTypeRemove
	str     = events.NewStringAttribute
	num     = events.NewNumberAttribute
	boolean = events.NewBooleanAttribute
)

func record(event events.DynamoDBOperationType, old, new image) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: string(event), Change: events.DynamoDBStreamRecord{OldImage: old, NewImage: new}}
}

// with is a copy of img with some attributes set.
func with(img, attrs image) image {
	out := image{}
	for k, v := range img {
		out[k] = v
	}
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

// without is a copy of img without an attribute.
func without(img image, name string) image {
	out := with(img, nil)
	delete(out, name)
	return out
}

type decodeCase struct {
	name string
	rec  events.DynamoDBEventRecord
	ok   bool // decoded, as want
}

func testDecoder[T comparable](t *testing.T, decode func(events.DynamoDBEventRecord) (T, bool), want T, cases []decodeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := decode(c.rec)
			if ok != c.ok || ok && got != want {
				t.Errorf("decoded %+v, %v; want %+v, %v", got, ok, want, c.ok)
			}
		})
	}
}

func TestDecodeQueuedIssue(t *testing.T) {
	queued := image{"type": str("invitation"), "id": str("inv_1"), "tenant_id": str("ten_A"), "send_seq": num("2"), "delivery_status": str("queued")}
	testDecoder(t, dynamostore.DecodeQueuedIssue, dynamostore.QueuedIssue{TenantID: "ten_A", InvitationID: "inv_1", SendSeq: 2}, []decodeCase{
		{"a new queued invitation", record(insert, nil, queued), true},
		{"a reissue (a new send_seq)", record(modify, with(queued, image{"send_seq": num("1")}), queued), true},
		{"a requeue after a failed attempt", record(modify, queued, with(queued, image{"delivery_requeues": num("1")})), true},
		{"a change seen without its old image", record(modify, nil, queued), true},
		{"a new invitation not to be sent", record(insert, nil, with(queued, image{"delivery_status": str("not_sent")})), false},
		{"another write to the same issue (an attempt counted)", record(modify, queued, with(queued, image{"delivery_attempts": num("1")})), false},
		{"sent", record(modify, queued, with(queued, image{"delivery_status": str("sent")})), false},
		{"removed", record(remove, queued, nil), false},
		{"another type of item", record(insert, nil, with(queued, image{"type": str("partner")})), false},
		{"no send_seq", record(insert, nil, without(queued, "send_seq")), false},
	})
}

func TestDecodeQueuedChunk(t *testing.T) {
	chunk := image{"type": str("import_chunk"), "tenant_id": str("ten_A"), "import_id": str("imp_1"), "chunk": num("3"), "done": boolean(false)}
	testDecoder(t, dynamostore.DecodeQueuedChunk, dynamostore.QueuedChunk{TenantID: "ten_A", ImportID: "imp_1", Index: 3}, []decodeCase{
		{"a new chunk", record(insert, nil, chunk), true},
		{"a chunk put back in the queue (its waits changed)", record(modify, chunk, with(chunk, image{"waits": num("1")})), true},
		{"a new chunk without done", record(insert, nil, without(chunk, "done")), true},
		{"a new chunk done already", record(insert, nil, with(chunk, image{"done": boolean(true)})), false},
		{"its results written", record(modify, chunk, with(chunk, image{"done": boolean(true), "results": str("sealed")})), false},
		{"put back in the queue but done meanwhile", record(modify, chunk, with(chunk, image{"waits": num("1"), "done": boolean(true)})), false},
		{"a change seen without its old image", record(modify, nil, with(chunk, image{"waits": num("1")})), false},
		{"removed", record(remove, chunk, nil), false},
		{"another type of item", record(insert, nil, with(chunk, image{"type": str("import")})), false},
		{"no chunk index", record(insert, nil, without(chunk, "chunk")), false},
	})
}
