package bench

// Unit tests of the meters' bookkeeping: they need no emulator, so that
// `go test ./internal/bench/` checks what the write-cost figures rest on.

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk)}
}

func TestItemLabel(t *testing.T) {
	for _, tt := range []struct{ pk, sk, want string }{
		{"TOK#abc", "TOK", "token"},
		{"SUB#x", "T#ten_1#P#ptr_1", "membership"},
		{"KEY#hash", "KEY", "api_key (by hash)"},
		{"T#ten_1", "TENANT", "tenant"},
		{"T#ten_1", "SETTINGS", "settings"},
		{"T#ten_1", "APIKEY#key_1", "api_key"},
		{"T#ten_1", "E#ada@x.io", "email_claim"},
		{"T#ten_1", "I#inv_1", "invitation"},
		{"T#ten_1", "P#ptr_1#U#usr_1", "partner_user"},
		{"T#ten_1", "P#ptr_1", "partner"},
		{"T#ten_1", "RATE#1796135707", "request count (tenant, second)"},
		{"T#ten_1", "SENDS#H#2026120114", "send count (tenant, hour)"},
		{"T#ten_1", "SENDS#R#20261201#ada@x.io", "send count (address, day)"},
		{"T#ten_1", "IMPORT#imp_1#C#00003", "import_chunk"},
		{"T#ten_1", "IMPORT#imp_1", "import"},
		{"T#ten_1", "IDEMPART#2#k", "idempotency_part"},
		{"T#ten_1", "IDEM#k", "idempotency"},
		{"T#ten_1", "PWFAIL#sub", "password_failures"},
		{"T#ten_1", "EVT#01", "other (T/EVT)"},
	} {
		if got := itemLabel(key(tt.pk, tt.sk)); got != tt.want {
			t.Errorf("itemLabel(%s, %s) = %q, want %q", tt.pk, tt.sk, got, tt.want)
		}
	}
}

func TestItemSize(t *testing.T) {
	for _, tt := range []struct {
		name string
		item map[string]types.AttributeValue
		want int
	}{
		{"strings: names and values", map[string]types.AttributeValue{"PK": s("T#1"), "SK": s("I#2")}, 2 + 3 + 2 + 3},
		{"number: a byte per two digits, plus one", map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "12345"}}, 1 + 3 + 1},
		{"number: zeroes trimmed", map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "1000"}}, 1 + 1 + 1},
		{"bool", map[string]types.AttributeValue{"ok": &types.AttributeValueMemberBOOL{Value: true}}, 2 + 1},
		{"empty list: 3 bytes", map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{}}, 1 + 3},
		{"list: a byte per element", map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab")}}}, 1 + 3 + 1 + 2},
		{"map", map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": s("xy")}}}, 1 + 3 + 1 + 1 + 2},
		{"absent", nil, 0},
	} {
		if got := itemSize(tt.item); got != tt.want {
			t.Errorf("%s: itemSize = %d, want %d", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		size int
		want float64
	}{{0, 1}, {1, 1}, {1024, 1}, {1025, 2}, {50_000, 49}} {
		if got := kiloUnits(tt.size); got != tt.want {
			t.Errorf("kiloUnits(%d) = %v, want %v", tt.size, got, tt.want)
		}
	}
}

// sized is an item of about n bytes, with the given extra attributes.
func sized(n int, attrs ...string) map[string]types.AttributeValue {
	item := key("T#1", "I#inv_1")
	for i := 0; i+1 < len(attrs); i += 2 {
		item[attrs[i]] = s(attrs[i+1])
	}
	item["pad"] = s(strings.Repeat("x", max(0, n-itemSize(item)-3)))
	return item
}

func TestPriceOf(t *testing.T) {
	gsi1 := []string{"GSI1PK", "T#1#INVITATIONS", "GSI1SK", "inv_1"}
	pending := append(slices.Clone(gsi1), "GSI2PK", "PENDING#3", "GSI2SK", "2026-12-03")
	for _, tt := range []struct {
		name          string
		before, after map[string]types.AttributeValue
		transactional bool
		want          price
	}{
		{"a new small item", nil, sized(300), false, price{bytes: 300, table: 1}},
		{"in a transaction: twice", nil, sized(300), true, price{bytes: 300, table: 2}},
		{"by the larger of before and after", sized(1500), sized(300), false, price{bytes: 1500, table: 2}},
		{"an index entry written, by its size", nil, sized(1100, gsi1...), false, price{bytes: 1100, table: 2, indexes: 2}},
		{"a transaction's index entries priced plainly", nil, sized(900, pending...), true, price{bytes: 900, table: 2, indexes: 2}},
		{"an entry removed (accepted: off the pending index)", sized(900, pending...), sized(800, gsi1...), true, price{bytes: 900, table: 2, indexes: 2}},
		{"an entry whose key changed: a delete and a put", sized(900, pending...), sized(900, "GSI1PK", "T#1#INVITATIONS", "GSI1SK", "inv_1", "GSI2PK", "PENDING#4", "GSI2SK", "2026-12-04"), false,
			price{bytes: 900, table: 1, indexes: 3}},
		{"a delete of nothing still costs 1", nil, nil, false, price{bytes: 0, table: 1}},
	} {
		if got := priceOf(tt.before, tt.after, tt.transactional); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestWritesOfAsksForCapacity(t *testing.T) {
	put := &dynamodb.PutItemInput{Item: key("T#1", "E#a@x.io")}
	txn := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{Key: key("T#1", "P#ptr_1")}},
		{Put: &types.Put{Item: key("TOK#h", "TOK")}},
		{Update: &types.Update{Key: key("T#1", "IMPORT#i")}},
	}}
	for _, tt := range []struct {
		params        any
		shape         string
		transactional bool
	}{
		{put, "PutItem [put email_claim]", false},
		{txn, "TransactWriteItems [check partner, put token, update import]", true},
	} {
		actions, transactional, ok := writesOf(tt.params)
		if !ok || transactional != tt.transactional {
			t.Errorf("%T: ok %v, transactional %v", tt.params, ok, transactional)
		}
		if got := shapeOf(strings.Split(tt.shape, " ")[0], actions); got != tt.shape {
			t.Errorf("shape %q, want %q", got, tt.shape)
		}
	}
	if put.ReturnConsumedCapacity != types.ReturnConsumedCapacityTotal || txn.ReturnConsumedCapacity != types.ReturnConsumedCapacityTotal {
		t.Error("the writes do not ask for their consumed capacity")
	}
	if _, _, ok := writesOf(&dynamodb.GetItemInput{}); ok {
		t.Error("a read counted as a write")
	}
}

func TestCapacityReport(t *testing.T) {
	m := newCapacityMeter()
	claim, invitation := key("T#1", "E#a@x.io"), sized(600, "GSI1PK", "T#1#INVITATIONS", "GSI1SK", "inv_1")
	actions, _, _ := writesOf(&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{Key: key("T#1", "P#ptr_1")}}, {Put: &types.Put{Item: claim}}, {Put: &types.Put{Item: invitation}},
	}})
	after := map[string]map[string]types.AttributeValue{action("", claim).id(): claim, action("", invitation).id(): invitation}
	// DynamoDB Local would say 4 for it; the rules say 2 + 2 + 1.
	m.record("invite-partner-user", "TransactWriteItems", actions, true, nil, after, false,
		&dynamodb.TransactWriteItemsOutput{ConsumedCapacity: []types.ConsumedCapacity{{CapacityUnits: ptr(4.0)}}})
	rate := key("T#1", "RATE#1796135707")
	m.record("invite-partner-user", "UpdateItem", []writeAction{action("update", rate)}, false, nil, map[string]map[string]types.AttributeValue{action("", rate).id(): rate}, false,
		&dynamodb.UpdateItemOutput{ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: ptr(1.0)}})
	r := m.report(2)
	if r.wcu != 3 || r.withTxnIndexes != 3.5 || r.reported != 2.5 {
		t.Errorf("per invitation: %v (%v with the indexes doubled), reported %v; want 3 (3.5), 2.5", r.wcu, r.withTxnIndexes, r.reported)
	}
	if r.plain != 1 || r.agreed != 1 {
		t.Errorf("%d of %d plain writes agreed, want 1 of 1", r.agreed, r.plain)
	}
	if len(r.calls) != 2 || r.calls[0].what != "TransactWriteItems [check partner, put email_claim, put invitation]" || r.calls[0].perInvitation != 0.5 {
		t.Errorf("calls: %+v", r.calls)
	}
	if len(r.items) != 4 || r.items[0].what != "put invitation (in a transaction)" || r.items[0].table != 1 || r.items[0].indexes != 0.5 || r.items[0].meanBytes != 600 {
		t.Errorf("items: %+v", r.items)
	}
}

func ptr[T any](v T) *T { return &v }
