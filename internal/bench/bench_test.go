package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// percentile returns the p-th percentile (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// detail writes a benchmark's long tables to test-artifacts/bench/NAME.txt
// at the top of the checkout, since the testing package keeps only the
// first 10 lines of a benchmark's log, and logs where they are.
func detail(b *testing.B, name, text string) {
	b.Helper()
	dir := filepath.Join(testenv.RepoRoot(b), "test-artifacts", "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, name+".txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("details: %s", path)
}

// peakHeap samples the live heap until stop is closed and returns its peak.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkInviteOne sends 1,000 POST /v1/partners/{id}/users through the
// local gateway, one at a time, and 1,000 bare TransactWriteItems of the
// same four items (email claim, user, invitation, token) on the same
// DynamoDB, and reports both p50s and their ratio.
func BenchmarkInviteOne(b *testing.B) {
	const n = 1000
	api := testenv.NewAPIWithConsumers(b, nil)
	_, key := api.Tenant(b, "Bench SaaS")
	r := api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Bench Partner", "country": "DE"})
	pid := r.JSON(b)["id"].(string)
	for b.Loop() {
		api.Do(b, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": "warm@x.io", "role": "member", "send_email": false})

		// Interleaved, so that both see the same emulator: its speed drifts
		// during a run more than the difference being measured.
		var handler, floor []time.Duration
		for i := range n {
			body := map[string]any{
				"email": fmt.Sprintf("user%d-%d@bench.example", i, time.Now().UnixNano()), "role": "member",
				"first_name": "Ada", "last_name": "Lovelace", "phone": "+49 30 901820", "send_email": false,
			}
			start := time.Now()
			r := api.Do(b, "POST", "/v1/partners/"+pid+"/users", key, body)
			handler = append(handler, time.Since(start))
			if r.Status != http.StatusCreated {
				b.Fatalf("invite: %d %s", r.Status, r.Body)
			}
			floor = append(floor, bareTransaction(b, api, i))
		}
		slices.Sort(handler)
		slices.Sort(floor)
		p50, p99, f50, f99 := percentile(handler, 50), percentile(handler, 99), percentile(floor, 50), percentile(floor, 99)
		b.ReportMetric(ms(p50), "p50-ms")
		b.ReportMetric(ms(p99), "p99-ms")
		b.ReportMetric(ms(f50), "floor-p50-ms")
		b.ReportMetric(float64(p50)/float64(f50), "ratio-p50")
		b.Logf("POST /v1/partners/{id}/users over %d requests: p50 %.2f ms, p99 %.2f ms; bare TransactWriteItems of the same 4 items: p50 %.2f ms, p99 %.2f ms; ratio of p50s %.2f",
			n, ms(p50), ms(p99), ms(f50), ms(f99), float64(p50)/float64(f50))
	}
}

// bareTransaction writes the four items of an invitation with one
// TransactWriteItems, as the handler does, and times it.
func bareTransaction(b *testing.B, api *testenv.API, i int) time.Duration {
	db, table := api.App.DynamoDB, api.App.Config.TableName
	id := fmt.Sprintf("floor%d-%d", i, time.Now().UnixNano())
	var items []types.TransactWriteItem
	for _, item := range inviteItems(id, time.Now().UTC().Format(time.RFC3339Nano), "") {
		items = append(items, putItem(b, table, item, "attribute_not_exists(PK)", nil))
	}
	start := time.Now()
	if _, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// inviteItems are the four items a new invitation writes (email claim,
// user, invitation, token), shaped as the product's, for a person named by
// id; jobTitle is set on the user when not empty (CSV rows have one).
func inviteItems(id, now, jobTitle string) []map[string]any {
	// A link's lifetime, as the product's (48 hours): a token's TTL in the
	// past would have DynamoDB Local's TTL sweeper delete the floor's items
	// while it writes more.
	expires := time.Now().Add(48 * time.Hour)
	user := map[string]any{"PK": "T#bench", "SK": "P#ptr_x#U#usr_" + id, "type": "partner_user", "id": "usr_" + id, "email": id + "@bench.example", "first_name": "Ada", "last_name": "Lovelace", "phone": "+4930901820", "role": "member", "status": "invited", "invitation_id": "inv_" + id, "created_at": now, "updated_at": now}
	if jobTitle != "" {
		user["job_title"] = jobTitle
	}
	return []map[string]any{
		{"PK": "T#bench", "SK": "E#" + id + "@bench.example", "type": "email_claim", "email": id + "@bench.example", "partner_id": "ptr_x", "user_id": "usr_" + id},
		user,
		{"PK": "T#bench", "SK": "I#inv_" + id, "GSI1PK": "T#bench#INVITATIONS", "GSI1SK": "inv_" + id, "GSI2PK": pendingShard("inv_" + id), "GSI2SK": now + "#bench#inv_" + id, "type": "invitation", "id": "inv_" + id, "email": id + "@bench.example", "role": "member", "status": "pending", "token_hash": strings.Repeat("a", 64), "expires_at": now, "expires_ms": expires.UnixMilli(), "send_seq": 1, "delivery_status": "not_sent", "delivery_attempts": 0, "created_at": now, "updated_at": now},
		{"PK": "TOK#" + id, "SK": "TOK", "type": "token", "tenant_id": "bench", "invitation_id": "inv_" + id, "expires_at": now, "ttl": expires.Add(30 * 24 * time.Hour).Unix()},
	}
}

// pendingShard is the pending index's partition of an invitation, spread
// over 10 as the product spreads it (internal/dynamostore): with one key
// for all, DynamoDB Local's concurrent transactions wait on each other's
// index locks until they time out, which the product's never do.
func pendingShard(invitationID string) string {
	h := 0
	for _, c := range invitationID {
		h = (h*31 + int(c)) % 10
	}
	return "PENDING#" + strconv.Itoa(h)
}

// putItem is a transaction's put of item, under a condition when cond is
// set (with values; #status stands for the status attribute, as in the
// product's conditions).
func putItem(b *testing.B, table string, item map[string]any, cond string, values map[string]any) types.TransactWriteItem {
	b.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		b.Fatal(err)
	}
	put := &types.Put{TableName: aws.String(table), Item: av}
	if cond != "" {
		put.ConditionExpression = aws.String(cond)
		if strings.Contains(cond, "#status") {
			put.ExpressionAttributeNames = map[string]string{"#status": "status"}
		}
		if values != nil {
			if put.ExpressionAttributeValues, err = attributevalue.MarshalMap(values); err != nil {
				b.Fatal(err)
			}
		}
	}
	return types.TransactWriteItem{Put: put}
}

// importWriters is how many transactions of a chunk the import worker has
// in flight at once: the batches of new emails run bulkConcurrency/4 at a
// time (internal/partners/bulk.go).
const importWriters = 4

// bareImport writes the items of rows new invitations as the import worker
// writes them — chunk after chunk of ImportChunkRows rows, each chunk in
// transactions of MaxInvitationsPerWrite invitations (4 items each, 100
// actions), importWriters at a time — and returns the time spent writing
// and the transactions tried again. The items of a chunk are built before
// its clock starts: the floor is the writes alone. They go to the
// product's own table, in a tenant partition of their own: on DynamoDB
// Local a table made later than the first wrote these transactions 7 to 75
// times slower (we measured 1.2-3.8 s for 500 rows in the first table,
// 25-90 s in later ones), which would make the floor meaningless.
func bareImport(b *testing.B, api *testenv.API, rows int) (took time.Duration, retries int) {
	b.Helper()
	ctx := context.Background()
	db := app.NewDynamoDB(api.App.AWS, func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} })
	table := api.App.Config.TableName
	stamp, now := time.Now().UnixNano(), time.Now().UTC().Format(time.RFC3339Nano)
	var tries atomic.Int64
	for first := 0; first < rows; first += partners.ImportChunkRows {
		last := min(first+partners.ImportChunkRows, rows)
		var batches [][]types.TransactWriteItem
		for i := first; i < last; i += partners.MaxInvitationsPerWrite {
			var items []types.TransactWriteItem
			for j := i; j < min(i+partners.MaxInvitationsPerWrite, last); j++ {
				for _, item := range inviteItems(fmt.Sprintf("csv%d-%d", j, stamp), now, "Partner engineer") {
					items = append(items, putItem(b, table, item, "attribute_not_exists(PK)", nil))
				}
			}
			batches = append(batches, items)
		}
		start := time.Now()
		errs := make(chan error, len(batches))
		slots := make(chan struct{}, importWriters)
		for _, items := range batches {
			slots <- struct{}{}
			go func() {
				defer func() { <-slots }()
				errs <- transactPatiently(ctx, db, items, &tries)
			}()
		}
		for range batches {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		took += time.Since(start)
	}
	return took, int(tries.Load())
}

// transactPatiently writes a transaction, again after DynamoDB Local's
// lock timeouts — an InternalServerError it gives when concurrent
// transactions on one partition wait too long for each other, which "would
// succeed in actual DynamoDB" — with a growing pause, and counts the tries
// again. db must not retry on its own: the SDK's retry quota runs out
// under these timeouts, and its tries would not be counted. A timed-out
// transaction wrote nothing, so trying it again is safe.
func transactPatiently(ctx context.Context, db *dynamodb.Client, items []types.TransactWriteItem, retries *atomic.Int64) error {
	for try := 0; ; try++ {
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		var api smithy.APIError
		if err == nil || try == 10 || !errors.As(err, &api) || api.ErrorCode() != "InternalServerError" {
			return err
		}
		retries.Add(1)
		time.Sleep(min(time.Second, 20*time.Millisecond<<try))
	}
}

// waitForImport waits until an import job is completed and returns it.
func waitForImport(b *testing.B, api *testenv.API, tenantID, id string) partners.Import {
	b.Helper()
	for {
		imp, err := api.App.Store.GetImport(context.Background(), tenantID, id)
		if err != nil {
			b.Fatal(err)
		}
		if imp.Status == partners.ImportCompleted {
			return imp
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// workerTime splits the import worker's wall time, from the request's
// answer to its last call, by what was in flight.
type workerTime struct {
	total, invitations, other, idle time.Duration
	otherCalls                      string // the other calls, by name and count
}

// splitWorkerTime splits the worker's wall time into the time some
// transaction writing invitations was in flight, the time only other calls
// were (reads, chunk bookkeeping), and the time none was.
func splitWorkerTime(calls []timedCall, from time.Time) workerTime {
	var invitations, all []interval
	counts := map[string]int{}
	end := from
	for _, c := range calls {
		if c.function != apigw.ProcessImportFunction {
			continue
		}
		iv := interval{c.start, c.start.Add(c.took)}
		all = append(all, iv)
		if c.name == "dynamodb TransactWriteItems email_claim" {
			invitations = append(invitations, iv)
		} else {
			counts[c.name]++
		}
		if iv.end.After(end) {
			end = iv.end
		}
	}
	var names []string
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		names = append(names, fmt.Sprintf("%d %s", counts[name], strings.TrimPrefix(name, "dynamodb ")))
	}
	w := workerTime{total: end.Sub(from), invitations: covered(invitations), otherCalls: strings.Join(names, ", ")}
	w.other = covered(all) - w.invitations
	w.idle = w.total - covered(all)
	return w
}

type interval struct{ start, end time.Time }

// covered is how long at least one of the intervals was open.
func covered(ivs []interval) time.Duration {
	ivs = slices.Clone(ivs)
	slices.SortFunc(ivs, func(a, b interval) int { return a.start.Compare(b.start) })
	var total time.Duration
	var open interval
	for i, iv := range ivs {
		switch {
		case i == 0:
			open = iv
		case iv.start.After(open.end):
			total += open.end.Sub(open.start)
			open = iv
		case iv.end.After(open.end):
			open.end = iv.end
		}
	}
	if len(ivs) > 0 {
		total += open.end.Sub(open.start)
	}
	return total
}

// importBench starts the product with the given stream consumers and makes
// a tenant and a partner to import into.
func importBench(b *testing.B, consumers []string) (api *testenv.API, key, partnerID string) {
	b.Helper()
	api = testenv.NewAPIWithConsumers(b, consumers)
	_, key = api.Tenant(b, "Bench SaaS")
	partnerID = api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Bench Partner", "country": "GB"}).JSON(b)["id"].(string)
	return api, key, partnerID
}

func importCSV(rows int) string {
	var csv strings.Builder
	csv.WriteString("email,role,first_name,last_name,phone,job_title\r\n")
	stamp := time.Now().UnixNano()
	for i := range rows {
		fmt.Fprintf(&csv, "person%d-%d@import.example,member,Person,Number %d,+44 20 7946 %04d,Partner engineer\r\n", i, stamp, i, i%10000)
	}
	return csv.String()
}

// BenchmarkImportCSV10k imports a 10,000-row CSV: the request that checks
// and queues it (what must fit API Gateway's 10 MB and 29 s), then the
// import job until every row is invited. It reports the request's wall time
// and peak live heap, the job's time to completion, and beside it the
// floor: the bare writes of the same 40,000 items as the worker writes
// them (bareImport), once before the job and once after, on the same
// DynamoDB, so that the job sits between the two and the emulator's drift
// shows as their difference.
func BenchmarkImportCSV10k(b *testing.B) {
	const rows = 10_000
	calls := &callLog{}
	api := testenv.NewAPIWithOptionsAndConsumers(b, app.Options{DynamoDBOptions: []func(*dynamodb.Options){calls.dynamoDB}},
		[]string{apigw.ProcessImportFunction})
	tenantID, key := api.Tenant(b, "Bench SaaS")
	pid := api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Bench Partner", "country": "GB"}).JSON(b)["id"].(string)
	for b.Loop() {
		// Untimed, first: the first heavy writes of a fresh DynamoDB Local
		// are its warm-up (without this, the floor before the job came out
		// 40-70 % slower than the one after it).
		bareImport(b, api, 2*partners.ImportChunkRows*importWriters)
		floorBefore, retriesBefore := bareImport(b, api, rows)
		csv := importCSV(rows)
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		r := api.Do(b, "POST", "/v1/partners/"+pid+"/invitations/import?send_email=false", key, csv, "Content-Type", "text/csv")
		request := time.Since(start)
		close(stop)
		peakBytes := <-peak
		if r.Status != http.StatusAccepted {
			b.Fatalf("import: %d %.500s", r.Status, r.Body)
		}
		// The job is watched through its item in the store, not through
		// GET /v1/imports/{id}: that reads every chunk (3 MB at 10,000 rows)
		// and opens every row done so far, 0.3-1.5 s a call here, and
		// polling it slowed the job it watched.
		imp := waitForImport(b, api, tenantID, r.JSON(b)["id"].(string))
		done := time.Since(start)
		if imp.Created != rows {
			b.Fatalf("import created %d of %d rows", imp.Created, rows)
		}
		worker := splitWorkerTime(calls.take(), start.Add(request))
		floorAfter, retriesAfter := bareImport(b, api, rows)
		floor := (floorBefore + floorAfter) / 2
		b.ReportMetric(request.Seconds(), "request-s")
		b.ReportMetric(float64(peakBytes)/(1<<20), "request-peak-heap-MiB")
		b.ReportMetric(done.Seconds(), "job-s")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(done.Seconds()/floor.Seconds(), "ratio")
		b.ReportMetric(float64(len(csv))/(1<<20), "body-MiB")
		b.Logf("CSV import of %d rows: request (check and queue) %.2f s, peak live heap %.1f MiB, body %.2f MiB; every row invited after %.1f s",
			rows, request.Seconds(), float64(peakBytes)/(1<<20), float64(len(csv))/(1<<20), done.Seconds())
		b.Logf("bare TransactWriteItems of the same %d items (%d rows x 4; %d a call, %d calls at once, chunk after chunk of %d rows): %.1f s before the job, %.1f s after (%d and %d transactions tried again after a lock timeout); ratio of the job to their mean %.2f",
			rows*4, rows, partners.MaxInvitationsPerWrite*4, importWriters, partners.ImportChunkRows, floorBefore.Seconds(), floorAfter.Seconds(), retriesBefore, retriesAfter, done.Seconds()/floor.Seconds())
		b.Logf("the worker's %.1f s: %.1f s writing invitations (some transaction of theirs in flight), %.1f s in its other calls (%s), %.1f s in no call (stream delivery, its own code)",
			worker.total.Seconds(), worker.invitations.Seconds(), worker.other.Seconds(), worker.otherCalls, worker.idle.Seconds())
	}
}

// BenchmarkImportCSV1000 imports the largest file answered within the
// request (SyncImportRows rows) and reports its wall time.
func BenchmarkImportCSV1000(b *testing.B) {
	rows := partners.SyncImportRows
	api, key, pid := importBench(b, nil)
	for b.Loop() {
		csv := importCSV(rows)
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		r := api.Do(b, "POST", "/v1/partners/"+pid+"/invitations/import?send_email=false", key, csv, "Content-Type", "text/csv")
		wall := time.Since(start)
		close(stop)
		peakBytes := <-peak
		if r.Status != http.StatusOK || r.JSON(b)["summary"].(map[string]any)["created"] != float64(rows) {
			b.Fatalf("import: %d %.500s", r.Status, r.Body)
		}
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(peakBytes)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(len(r.Body))/(1<<20), "response-MiB")
		b.Logf("CSV import of %d rows within the request: %.2f s, peak live heap %.1f MiB, response %.2f MiB",
			rows, wall.Seconds(), float64(peakBytes)/(1<<20), float64(len(r.Body))/(1<<20))
	}
}
