package bench

import (
	"context"
	"fmt"
	"net/http"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// percentile returns the p-th percentile (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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
	put := func(item map[string]any) types.TransactWriteItem {
		av, err := attributevalue.MarshalMap(item)
		if err != nil {
			b.Fatal(err)
		}
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}}
	}
	{
		id := fmt.Sprintf("floor%d-%d", i, time.Now().UnixNano())
		now := time.Now().UTC().Format(time.RFC3339Nano)
		items := []types.TransactWriteItem{
			put(map[string]any{"PK": "T#bench", "SK": "E#" + id + "@bench.example", "type": "email_claim", "email": id + "@bench.example", "partner_id": "ptr_x", "user_id": "usr_" + id}),
			put(map[string]any{"PK": "T#bench", "SK": "P#ptr_x#U#usr_" + id, "type": "partner_user", "id": "usr_" + id, "email": id + "@bench.example", "first_name": "Ada", "last_name": "Lovelace", "phone": "+4930901820", "role": "member", "status": "invited", "invitation_id": "inv_" + id, "created_at": now, "updated_at": now}),
			put(map[string]any{"PK": "T#bench", "SK": "I#inv_" + id, "GSI1PK": "T#bench#INVITATIONS", "GSI1SK": "inv_" + id, "GSI2PK": "PENDING#1", "GSI2SK": now, "type": "invitation", "id": "inv_" + id, "email": id + "@bench.example", "role": "member", "status": "pending", "token_hash": strings.Repeat("a", 64), "expires_at": now, "expires_ms": 1, "send_seq": 1, "delivery_status": "not_sent", "delivery_attempts": 0, "created_at": now, "updated_at": now}),
			put(map[string]any{"PK": "TOK#" + id, "SK": "TOK", "type": "token", "tenant_id": "bench", "invitation_id": "inv_" + id, "expires_at": now, "ttl": 1}),
		}
		start := time.Now()
		if _, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
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
// and peak live heap, and the job's time to completion.
func BenchmarkImportCSV10k(b *testing.B) {
	const rows = 10_000
	api, key, pid := importBench(b, []string{apigw.ProcessImportFunction})
	for b.Loop() {
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
		id := r.JSON(b)["id"].(string)
		var job map[string]any
		for {
			job = api.Do(b, "GET", "/v1/imports/"+id, key, nil).JSON(b)
			if job["status"] == "completed" {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		done := time.Since(start)
		if created := job["summary"].(map[string]any)["created"]; created != float64(rows) {
			b.Fatalf("summary %v", job["summary"])
		}
		b.ReportMetric(request.Seconds(), "request-s")
		b.ReportMetric(float64(peakBytes)/(1<<20), "request-peak-heap-MiB")
		b.ReportMetric(done.Seconds(), "job-s")
		b.ReportMetric(float64(len(csv))/(1<<20), "body-MiB")
		b.Logf("CSV import of %d rows: request (check and queue) %.2f s, peak live heap %.1f MiB, body %.2f MiB; every row invited after %.1f s",
			rows, request.Seconds(), float64(peakBytes)/(1<<20), float64(len(csv))/(1<<20), done.Seconds())
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
