package bench

// The capacity meter: what the functions' writes cost in write capacity
// units (WCU), by call and by item.
//
// Each write asks DynamoDB for its consumed capacity (ReturnConsumedCapacity,
// set by a client middleware, so the product's code is as deployed), but
// DynamoDB Local's figure for a transaction is not per item: it reports 4
// WCU for a transaction of one small item, and 4 again for two, three or
// ten of them, 8 for one or two items of 1.5 KB, 12 for one of 1.5 KB and
// one small — where DynamoDB's published rules (2 WCU per KB of each item
// of a transaction) give 2, 4, 6, 20, 4, 8 and 6. Since most of the
// product's writes are transactions, the meter prices every item itself,
// by those rules, from the item as stored just before and just after the
// call (read by the meter, outside the function's time and capacity); for
// plain writes, where DynamoDB Local's figures are per item, it checks its
// price against the reported one. BenchmarkWriteCost logs what DynamoDB
// Local reports for transactions of one and of two small items.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
)

// keyLabels name the kind of item a key belongs to, after the table's key
// layout (internal/dynamostore): the first row whose PK prefix, SK prefix
// and SK infix all match wins. Puts are named by key too, not by their
// "type" attribute, because counters get theirs from an update.
var keyLabels = []struct{ pk, sk, skHas, label string }{
	{pk: "TOK#", label: "token"},
	{pk: "SUB#", label: "membership"},
	{pk: "KEY#", label: "api_key (by hash)"},
	{sk: "TENANT", label: "tenant"},
	{sk: "SETTINGS", label: "settings"},
	{sk: "APIKEY#", label: "api_key"},
	{sk: "E#", label: "email_claim"},
	{sk: "I#", label: "invitation"},
	{sk: "P#", skHas: "#U#", label: "partner_user"},
	{sk: "P#", label: "partner"},
	{sk: "RATE#", label: "request count (tenant, second)"},
	{sk: "SENDS#H#", label: "send count (tenant, hour)"},
	{sk: "SENDS#R#", label: "send count (address, day)"},
	{sk: "IMPORT#", skHas: "#C#", label: "import_chunk"},
	{sk: "IMPORT#", label: "import"},
	{sk: "IDEMPART#", label: "idempotency_part"},
	{sk: "IDEM#", label: "idempotency"},
	{sk: "PWFAIL#", label: "password_failures"},
}

// itemLabel names the kind of item a key belongs to; a key of no known
// kind is named by its prefixes, so that a new kind of item shows up
// rather than hides in another's row.
func itemLabel(key map[string]types.AttributeValue) string {
	pk, sk := stringOf(key["PK"]), stringOf(key["SK"])
	for _, l := range keyLabels {
		if strings.HasPrefix(pk, l.pk) && strings.HasPrefix(sk, l.sk) && strings.Contains(sk, l.skHas) {
			return l.label
		}
	}
	prefix := func(s string) string { p, _, _ := strings.Cut(s, "#"); return p }
	return "other (" + prefix(pk) + "/" + prefix(sk) + ")"
}

func stringOf(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// itemSize is an item's size as DynamoDB bills it ("Item sizes and
// formats"): attribute names plus values — strings and binaries by length,
// numbers by about a byte per two significant digits plus one, booleans and
// nulls one byte, lists and maps 3 bytes plus a byte per element. No item
// is 0.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	sum := func(n int, size func(int) int) int {
		t := 0
		for i := range n {
			t += size(i)
		}
		return t
	}
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		return sum(len(v.Value), func(i int) int { return len(v.Value[i]) })
	case *types.AttributeValueMemberNS:
		return sum(len(v.Value), func(i int) int { return numberSize(v.Value[i]) })
	case *types.AttributeValueMemberBS:
		return sum(len(v.Value), func(i int) int { return len(v.Value[i]) })
	case *types.AttributeValueMemberL:
		return 3 + sum(len(v.Value), func(i int) int { return 1 + valueSize(v.Value[i]) })
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// numberSize is a number's size: a byte per two significant digits, plus one.
func numberSize(s string) int {
	digits := strings.Trim(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s), "0")
	return (len(digits)+1)/2 + 1
}

// kiloUnits is the number of 1 KB units a write of size bytes is billed in
// (at least one: a write of nothing, a delete of an absent item, costs 1).
func kiloUnits(size int) float64 { return float64(max(1, (size+1023)/1024)) }

// price is what one item's write costs.
type price struct {
	bytes          int // the larger of the item before and after: what it is billed by
	table, indexes float64
}

// priceOf prices one item's write by DynamoDB's rules, from the item as
// stored before and after the call (nil: absent): the table write is
// billed by the larger of the two, a KB at a time, 1 WCU per KB or 2 in a
// transaction; each index entry written, replaced or removed is billed
// likewise by its size (every index projects everything), and one whose
// key changed is a delete and a put. A transaction's index writes are
// priced as plain writes: DynamoDB documents the doubling for the items
// of a transaction, and says nothing of their index entries (the report
// gives the figure with them doubled too).
func priceOf(before, after map[string]types.AttributeValue, transactional bool) price {
	b, a := itemSize(before), itemSize(after)
	p := price{bytes: max(b, a), table: kiloUnits(max(b, a))}
	if transactional {
		p.table *= 2
	}
	for _, ix := range dynamostore.Table.Indexes {
		kb, inBefore := indexKey(before, ix)
		ka, inAfter := indexKey(after, ix)
		switch {
		case inBefore && inAfter && kb == ka:
			p.indexes += kiloUnits(max(b, a))
		case inBefore && inAfter:
			p.indexes += kiloUnits(b) + kiloUnits(a)
		case inBefore:
			p.indexes += kiloUnits(b)
		case inAfter:
			p.indexes += kiloUnits(a)
		}
	}
	return p
}

// indexKey is an item's key in an index, if it has an entry there (both
// key attributes set).
func indexKey(item map[string]types.AttributeValue, ix dynamostore.Index) (string, bool) {
	pk, okPK := item[ix.PartitionKey]
	sk, okSK := item[ix.SortKey]
	if !okPK || !okSK {
		return "", false
	}
	return stringOf(pk) + "\x00" + stringOf(sk), true
}

// writeAction is one item a call writes (or checks).
type writeAction struct {
	op    string // put, update, delete or check
	label string
	key   map[string]types.AttributeValue
}

func (a writeAction) name() string { return a.op + " " + a.label }

func (a writeAction) id() string { return stringOf(a.key["PK"]) + "\x00" + stringOf(a.key["SK"]) }

func action(op string, key map[string]types.AttributeValue) writeAction {
	key = map[string]types.AttributeValue{"PK": key["PK"], "SK": key["SK"]}
	return writeAction{op: op, label: itemLabel(key), key: key}
}

// writesOf returns the items a DynamoDB call writes, asking on the way
// for the call's consumed capacity; ok is false for a call that writes
// nothing.
func writesOf(params any) (actions []writeAction, transactional, ok bool) {
	const want = types.ReturnConsumedCapacityTotal
	switch in := params.(type) {
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = want
		return []writeAction{action("put", in.Item)}, false, true
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = want
		return []writeAction{action("update", in.Key)}, false, true
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = want
		return []writeAction{action("delete", in.Key)}, false, true
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = want
		return batchActions(in.RequestItems), false, true
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = want
		for _, t := range in.TransactItems {
			switch {
			case t.Put != nil:
				actions = append(actions, action("put", t.Put.Item))
			case t.Update != nil:
				actions = append(actions, action("update", t.Update.Key))
			case t.Delete != nil:
				actions = append(actions, action("delete", t.Delete.Key))
			case t.ConditionCheck != nil:
				actions = append(actions, action("check", t.ConditionCheck.Key))
			}
		}
		return actions, true, true
	}
	return nil, false, false
}

func batchActions(requests map[string][]types.WriteRequest) []writeAction {
	var actions []writeAction
	for _, writes := range requests {
		for _, w := range writes {
			switch {
			case w.PutRequest != nil:
				actions = append(actions, action("put", w.PutRequest.Item))
			case w.DeleteRequest != nil:
				actions = append(actions, action("delete", w.DeleteRequest.Key))
			}
		}
	}
	return actions
}

// reportedOf is what a call's output says it consumed in all, and the
// items a batch left unprocessed (a later call writes them, and pays).
func reportedOf(result any) (total float64, unprocessed map[string]bool) {
	var ccs []types.ConsumedCapacity
	switch out := result.(type) {
	case *dynamodb.PutItemOutput:
		ccs = []types.ConsumedCapacity{deref(out.ConsumedCapacity)}
	case *dynamodb.UpdateItemOutput:
		ccs = []types.ConsumedCapacity{deref(out.ConsumedCapacity)}
	case *dynamodb.DeleteItemOutput:
		ccs = []types.ConsumedCapacity{deref(out.ConsumedCapacity)}
	case *dynamodb.BatchWriteItemOutput:
		ccs = out.ConsumedCapacity
		unprocessed = map[string]bool{}
		for _, a := range batchActions(out.UnprocessedItems) {
			unprocessed[a.id()] = true
		}
	case *dynamodb.TransactWriteItemsOutput:
		ccs = out.ConsumedCapacity
	}
	for _, cc := range ccs {
		total += aws.ToFloat64(cc.CapacityUnits)
	}
	return total, unprocessed
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// shapeOf names a call by its operation and the kinds of item it writes,
// in order, each once: a bulk transaction of 25 invitations has the shape
// of a transaction of one.
func shapeOf(op string, actions []writeAction) string {
	var names []string
	for _, a := range actions {
		if !slices.Contains(names, a.name()) {
			names = append(names, a.name())
		}
	}
	return op + " [" + strings.Join(names, ", ") + "]"
}

// capacityMeter sums what the functions' writes cost, by call shape and by
// kind of item.
type capacityMeter struct {
	mu sync.Mutex
	// reader reads the items written, before and after each write; until
	// watch sets it, nothing is counted.
	reader *dynamodb.Client
	table  string

	calls, items  map[meterKey]*tally
	failed        map[string]int
	writes        int
	plain, agreed int      // plain writes, and those whose price DynamoDB Local reported too
	disagreements []string // the first few that it did not
	readFailures  int
}

type meterKey struct{ function, what string }

// tally is what one call shape or one kind of item cost.
type tally struct {
	count          int // calls, or items
	bytes          int // items' billed sizes, summed
	table, indexes float64
	// txnIndexes is the part of indexes written by transactions: what
	// doubling a transaction's index writes would add.
	txnIndexes float64
	// reported is what DynamoDB Local said the calls consumed.
	reported float64
}

func newCapacityMeter() *capacityMeter {
	m := &capacityMeter{}
	m.reset()
	return m
}

// watch starts counting, reading the items of table with reader.
func (m *capacityMeter) watch(reader *dynamodb.Client, table string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reader, m.table = reader, table
}

// reset forgets what was counted.
func (m *capacityMeter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls, m.items, m.failed = map[meterKey]*tally{}, map[meterKey]*tally{}, map[string]int{}
	m.writes, m.plain, m.agreed, m.disagreements, m.readFailures = 0, 0, 0, nil, 0
}

// option is the DynamoDB client option that installs the meter.
func (m *capacityMeter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.capacityMeter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				actions, transactional, writes := writesOf(in.Parameters)
				fn := localgw.FunctionOf(ctx)
				m.mu.Lock()
				reader := m.reader
				m.mu.Unlock()
				if !writes || fn == "" || reader == nil {
					return next.HandleInitialize(ctx, in)
				}
				before, errBefore := m.read(reader, actions)
				out, md, err := next.HandleInitialize(ctx, in)
				if err != nil {
					m.refused(fn, middleware.GetOperationName(ctx))
					return out, md, err
				}
				after, errAfter := m.read(reader, actions)
				m.record(fn, middleware.GetOperationName(ctx), actions, transactional, before, after, errBefore != nil || errAfter != nil, out.Result)
				return out, md, err
			}), middleware.After)
	})
}

// read returns the stored items that actions write, by id, with strongly
// consistent reads (the meter's own: not the function's, and not counted).
func (m *capacityMeter) read(reader *dynamodb.Client, actions []writeAction) (map[string]map[string]types.AttributeValue, error) {
	ctx := context.Background()
	items := map[string]map[string]types.AttributeValue{}
	var keys []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, a := range actions {
		if a.op != "check" && !seen[a.id()] {
			seen[a.id()] = true
			keys = append(keys, a.key)
		}
	}
	for start := 0; start < len(keys); start += 100 {
		request := map[string]types.KeysAndAttributes{m.table: {Keys: keys[start:min(start+100, len(keys))], ConsistentRead: aws.Bool(true)}}
		for len(request) > 0 {
			out, err := reader.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return items, err
			}
			for _, item := range out.Responses[m.table] {
				items[action("", item).id()] = item
			}
			request = out.UnprocessedKeys
		}
	}
	return items, nil
}

func (m *capacityMeter) refused(function, op string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// A refused write (a failed condition) is charged too, but its price
	// is not known here: counted, so that a figure with refusals says so.
	m.writes++
	m.failed[function+" "+op]++
}

func (m *capacityMeter) record(function, op string, actions []writeAction, transactional bool, before, after map[string]map[string]types.AttributeValue, readFailed bool, result any) {
	reported, unprocessed := reportedOf(result)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	if readFailed {
		m.readFailures++
	}
	in := ""
	if transactional {
		in = " (in a transaction)"
	}
	var call price
	var written []writeAction
	for _, a := range actions {
		if unprocessed[a.id()] {
			continue
		}
		written = append(written, a)
		if a.op == "check" {
			// A condition check writes nothing: DynamoDB bills it as a read.
			m.add(m.items, meterKey{function, a.name() + in}, price{}, transactional, 0)
			continue
		}
		p := priceOf(before[a.id()], after[a.id()], transactional)
		m.add(m.items, meterKey{function, a.name() + in}, p, transactional, 0)
		call.table += p.table
		call.indexes += p.indexes
	}
	m.add(m.calls, meterKey{function, shapeOf(op, written)}, price{table: call.table, indexes: call.indexes}, transactional, reported)
	if !transactional {
		m.plain++
		if reported == call.table+call.indexes {
			m.agreed++
		} else if len(m.disagreements) < 5 {
			m.disagreements = append(m.disagreements, fmt.Sprintf("%s %s: priced %.0f, reported %.0f", function, shapeOf(op, written), call.table+call.indexes, reported))
		}
	}
}

func (m *capacityMeter) add(into map[meterKey]*tally, key meterKey, p price, transactional bool, reported float64) {
	t := into[key]
	if t == nil {
		t = &tally{}
		into[key] = t
	}
	t.count++
	t.bytes += p.bytes
	t.table += p.table
	t.indexes += p.indexes
	if transactional {
		t.txnIndexes += p.indexes
	}
	t.reported += reported
}

func (m *capacityMeter) writeCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes
}

// costRow is one line of a write-cost report, per invitation.
type costRow struct {
	function, what string
	perInvitation  float64 // calls or items
	meanBytes      int
	table, indexes float64
	reported       float64 // by DynamoDB Local (calls only)
}

// costReport is what the meter counted, per invitation.
type costReport struct {
	calls, items []costRow
	// wcu is the price per invitation; withTxnIndexes the same with a
	// transaction's index writes doubled too; reported what DynamoDB Local
	// said (wrong for transactions).
	wcu, withTxnIndexes, reported float64
	writes, plain, agreed         int
	disagreements                 []string
	failed                        map[string]int
	readFailures                  int
}

func (m *capacityMeter) report(invitations int) costReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := float64(invitations)
	rows := func(from map[meterKey]*tally) []costRow {
		var out []costRow
		for k, t := range from {
			out = append(out, costRow{function: k.function, what: k.what, perInvitation: float64(t.count) / n,
				meanBytes: t.bytes / t.count, table: t.table / n, indexes: t.indexes / n, reported: t.reported / n})
		}
		slices.SortFunc(out, func(a, b costRow) int {
			if a.table+a.indexes != b.table+b.indexes {
				if a.table+a.indexes > b.table+b.indexes {
					return -1
				}
				return 1
			}
			return strings.Compare(a.function+a.what, b.function+b.what)
		})
		return out
	}
	r := costReport{calls: rows(m.calls), items: rows(m.items), writes: m.writes, plain: m.plain, agreed: m.agreed,
		disagreements: slices.Clone(m.disagreements), failed: maps.Clone(m.failed), readFailures: m.readFailures}
	for _, t := range m.calls {
		r.wcu += (t.table + t.indexes) / n
		r.withTxnIndexes += (t.table + t.indexes + t.txnIndexes) / n
		r.reported += t.reported / n
	}
	return r
}

// String renders the report as the text tables the benchmark writes out.
func (r costReport) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%.2f WCU per invitation by DynamoDB's rules (%.2f with a transaction's index writes doubled too); DynamoDB Local reported %.2f\n",
		r.wcu, r.withTxnIndexes, r.reported)
	table := func(title, count, last string, rows []costRow, lastOf func(costRow) string) {
		fmt.Fprintf(&s, "%s\n  %-22s %-100s %6s %6s %7s %6s %8s\n", title, "function", "write", count, "table", "indexes", "total", last)
		for _, row := range rows {
			fmt.Fprintf(&s, "  %-22s %-100s %6.3f %6.3f %7.3f %6.3f %8s\n", row.function, row.what, row.perInvitation, row.table, row.indexes, row.table+row.indexes, lastOf(row))
		}
	}
	table("by call (per invitation: calls, WCU; and what DynamoDB Local reported):", "calls", "reported", r.calls,
		func(row costRow) string { return fmt.Sprintf("%.3f", row.reported) })
	table("by item (per invitation: items, WCU; and the items' mean billed size):", "items", "bytes", r.items,
		func(row costRow) string { return fmt.Sprint(row.meanBytes) })
	fmt.Fprintf(&s, "%d writes; DynamoDB Local reported the price of %d of the %d plain ones", r.writes, r.agreed, r.plain)
	if len(r.disagreements) > 0 {
		fmt.Fprintf(&s, " (not: %s)", strings.Join(r.disagreements, "; "))
	}
	fmt.Fprintf(&s, "; refused writes (charged, not priced): %v; failed reads of the meter: %d", r.failed, r.readFailures)
	return s.String()
}
