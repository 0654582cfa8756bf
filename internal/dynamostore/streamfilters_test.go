package dynamostore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// The filters and the decoders, on the records the store really writes (as
// the local stream poller hands them over, in Lambda's JSON): each record
// that queues work passes its consumer's filters and is decoded; the
// store's other writes are filtered out, or passed and skipped by the
// decoder where a filter cannot tell (it sees no old image); no filter
// drops a record its decoder would take.
func TestStreamFiltersPassWhatTheStoreQueues(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db)
	s, ctx := dynamostore.New(db, table), context.Background()

	invite := func(id string, status partners.DeliveryStatus) {
		t.Helper()
		user := partners.PartnerUser{ID: "usr_" + id, TenantID: "ten_A", PartnerID: "ptr_1", Email: id + "@acme.example", Status: partners.UserInvited, InvitationID: id}
		inv := partners.Invitation{
			ID: id, TenantID: "ten_A", PartnerID: "ptr_1", UserID: user.ID, Email: user.Email, Status: partners.InvitationPending,
			ExpiresAt: t0.Add(time.Hour), SendSeq: 1, Delivery: partners.Delivery{Status: status}, CreatedAt: t0, UpdatedAt: t0,
		}
		token := partners.Token{Hash: "hash_" + id, TenantID: "ten_A", InvitationID: id, ExpiresAt: inv.ExpiresAt}
		if err := s.CreateInvitation(ctx, partners.NewInvitation{User: user, NewUser: true, Invitation: inv, Token: token}); err != nil {
			t.Fatal(err)
		}
	}
	deliver := func(d partners.Delivery) {
		t.Helper()
		if err := s.RecordDelivery(ctx, "ten_A", "inv_1", 1, d, false); err != nil {
			t.Fatal(err)
		}
	}
	invite("inv_1", partners.DeliveryQueued)
	deliver(partners.Delivery{Status: partners.DeliveryQueued, Attempts: 1})
	deliver(partners.Delivery{Status: partners.DeliveryQueued, Attempts: 1, Requeues: 1})
	deliver(partners.Delivery{Status: partners.DeliverySent, Attempts: 2, Requeues: 1})
	invite("inv_2", partners.DeliveryNotSent)

	job := partners.Import{ID: "imp_1", TenantID: "ten_A", PartnerID: "ptr_1", Status: partners.ImportProcessing, Rows: 1, CreatedAt: t0}
	chunks := []partners.ImportChunk{
		{TenantID: "ten_A", ImportID: "imp_1", Index: 0, Entries: []partners.BulkEntry{{Row: 2, Input: "ada@acme.example", Email: "ada@acme.example"}}},
		{TenantID: "ten_A", ImportID: "imp_1", Index: 1, Done: true},
	}
	if err := s.CreateImport(ctx, job, chunks); err != nil {
		t.Fatal(err)
	}
	if err := s.RequeueImportChunk(ctx, "ten_A", "imp_1", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteImportChunk(ctx, chunks[0], partners.ImportCounts{Done: 1, Created: 1}); err != nil {
		t.Fatal(err)
	}

	// A password reset: asked, its link stored, sent, asked again.
	reset := func(f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	const addr = "ada@acme.example"
	reset(func() error { return s.QueuePasswordReset(ctx, "ten_A", addr, t0) })
	r, err := s.GetPasswordReset(ctx, "ten_A", addr)
	if err != nil {
		t.Fatal(err)
	}
	r.PartnerID, r.UserID, r.Sub = "ptr_1", "usr_1", "sub-1"
	reset(func() error {
		return s.IssuePasswordResetLink(ctx, r, partners.ResetToken{Hash: "rhash_1", TenantID: "ten_A", Email: addr, ExpiresAt: t0.Add(time.Hour)})
	})
	r.Status, r.Attempts = partners.ResetSent, 1
	reset(func() error { return s.RecordPasswordResetDelivery(ctx, r) })
	reset(func() error { return s.QueuePasswordReset(ctx, "ten_A", addr, t0.Add(time.Minute)) })

	// What each consumer makes of each record of an item, in stream order;
	// "" where no consumer's filter passes it. The items not named here
	// (tokens, claims, the import job) pass no filter.
	want := map[string][]string{
		"I#inv_1": {
			"email: handled, events: handled", // queued: invitation.created
			"email: skipped, events: skipped", // an attempt counted
			"email: handled, events: skipped", // put back in the queue
			"events: handled",                 // sent: invitation.sent
		},
		"I#inv_2":              {"email: skipped, events: handled"}, // not to be sent; created
		"P#ptr_1#U#usr_inv_1":  {"events: handled"},                 // partner_user.invited
		"P#ptr_1#U#usr_inv_2":  {"events: handled"},
		"IMPORT#imp_1#C#00000": {"import: handled", "import: handled", ""}, // new, requeued, done
		"IMPORT#imp_1#C#00001": {"import: skipped"},                        // done already
		"PWRESET#" + addr: {
			"email: handled", // asked
			"email: skipped", // its link stored, still queued
			"",               // sent
			"email: handled", // asked again
		},
	}
	got := map[string][]string{}
	for _, raw := range readStream(t, table, func(read map[string]int) bool {
		for sk, verdicts := range want {
			if read[sk] < len(verdicts) {
				return false
			}
		}
		return true
	}) {
		sk, v := verdict(t, raw)
		if _, ok := want[sk]; ok {
			got[sk] = append(got[sk], v)
		} else if v != "" {
			t.Errorf("%s: %s, want it filtered out", sk, v)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
}

// consumers are the stream's readers, each with its filters and decoder.
var consumers = []struct {
	name    string
	filters []dynamostore.StreamFilter
	decodes func(events.DynamoDBEventRecord) bool
}{
	{"email", dynamostore.EmailFilters(), func(r events.DynamoDBEventRecord) bool { _, ok := dynamostore.DecodeQueuedEmail(r); return ok }},
	{"import", dynamostore.QueuedChunkFilters(), func(r events.DynamoDBEventRecord) bool { _, ok := dynamostore.DecodeQueuedChunk(r); return ok }},
	{"events", dynamostore.ChangeFilters(), func(r events.DynamoDBEventRecord) bool {
		c, ok, err := dynamostore.DecodeChange(r)
		return ok && err == nil && len(partners.EventsOf(c)) > 0
	}},
}

// verdict returns a record's item's sort key and what the consumers make of
// the record: "<name>: handled" (filter and decoder pass it), "skipped"
// (the filter passes it, the decoder does not), "DROPPED" (the filter
// drops what the decoder would take: a lost email or chunk).
func verdict(t *testing.T, raw json.RawMessage) (string, string) {
	t.Helper()
	var rec events.DynamoDBEventRecord
	var doc any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range consumers {
		passes := false
		for _, f := range c.filters {
			passes = passes || matches(t, f, doc)
		}
		switch decodes := c.decodes(rec); {
		case passes && decodes:
			out = append(out, c.name+": handled")
		case passes:
			out = append(out, c.name+": skipped")
		case decodes:
			out = append(out, c.name+": DROPPED")
		}
	}
	return rec.Change.Keys["SK"].String(), strings.Join(out, ", ")
}

// matches applies a filter as Lambda does, to the record as Lambda sends
// it: the filter's pattern, as JSON, is an object whose every key the
// record has, with a matching value; a list of values matches a value equal
// to one of them. (The patterns use no other rule.)
func matches(t *testing.T, f dynamostore.StreamFilter, doc any) bool {
	t.Helper()
	b, err := json.Marshal(f.Pattern())
	if err != nil {
		t.Fatal(err)
	}
	var pattern any
	if err := json.Unmarshal(b, &pattern); err != nil {
		t.Fatal(err)
	}
	return match(pattern, doc)
}

func match(pattern, doc any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		d, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		for k, sub := range p {
			if v, ok := d[k]; !ok || !match(sub, v) {
				return false
			}
		}
		return true
	case []any:
		for _, v := range p {
			if v == doc {
				return true
			}
		}
	}
	return false
}
