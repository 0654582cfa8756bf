package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// BenchmarkExpiryRun is one expire-invitations run over 100,000 live and
// 1,000 overdue invitations on a fresh DynamoDB Local: its wall time and the
// items it read, beside the floor — the same 1,000 conditional updates
// issued bare, one after another, on the same table.
func BenchmarkExpiryRun(b *testing.B) {
	const live, overdue = 100_000, 1_000
	db := testenv.DynamoDB(b)
	table := testenv.NewTable(b, db)
	store := dynamostore.New(db, table)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	writeInvitations(b, db, table, "live", live, now.Add(time.Hour))
	writeInvitations(b, db, table, "due", overdue, now.Add(-time.Hour))
	writeInvitations(b, db, table, "floor", overdue, now.Add(-time.Hour))
	b.Logf("wrote %d invitations in %s", live+2*overdue, time.Since(start).Round(time.Second))
	// The floor's invitations are in no index: the run never reads them.
	for b.Loop() {
		floorStart := time.Now()
		for i := range overdue {
			bareExpire(b, db, table, fmt.Sprintf("inv_floor%06d", i), now)
		}
		floor := time.Since(floorStart)
		runStart := time.Now()
		report, err := (&partners.Expirer{Store: store, Clock: testenv.NewClock(now)}).Run(context.Background())
		wall := time.Since(runStart)
		if err != nil {
			b.Fatal(err)
		}
		if report.Expired != overdue {
			b.Fatalf("run marked %d, want %d: %+v", report.Expired, overdue, report)
		}
		b.ReportMetric(float64(wall.Milliseconds()), "run-ms")
		b.ReportMetric(float64(report.ItemsRead), "items-read")
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.Logf("expiry run over %d live and %d overdue invitations: %s wall, %d items read, %d marked; floor (the same %d conditional updates, sequential) %s; ratio %.2f",
			live, overdue, wall.Round(time.Millisecond), report.ItemsRead, report.Expired, overdue, floor.Round(time.Millisecond), float64(wall)/float64(floor))
	}
}

// writeInvitations writes n pending invitations expiring at expires, as the
// store lays them out (GSI2 included), with BatchWriteItem from 4 writers.
func writeInvitations(b *testing.B, db *dynamodb.Client, table, prefix string, n int, expires time.Time) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := w * 25; start < n; start += 4 * 25 {
				var reqs []types.WriteRequest
				for i := start; i < min(start+25, n); i++ {
					id := fmt.Sprintf("inv_%s%06d", prefix, i)
					gsi2 := map[string]any{"GSI2PK": "PENDING#" + strconv.Itoa(i%10), "GSI2SK": expires.UTC().Format("2006-01-02T15:04:05.000Z") + "#ten_bench#" + id}
					if prefix == "floor" {
						gsi2 = nil // the floor's writes are not the run's to read
					}
					item := map[string]any{
						"PK": "T#ten_bench", "SK": "I#" + id, "GSI1PK": "T#ten_bench#INVITATIONS", "GSI1SK": id,
						"type": "invitation", "id": id, "tenant_id": "ten_bench", "partner_id": "ptr_x", "user_id": "usr_" + id,
						"email": id + "@bench.example", "email_normalized": id + "@bench.example", "role": "member", "status": "pending",
						"token_hash": "h", "expires_at": expires, "expires_ms": expires.UnixMilli(), "send_seq": 1,
						"delivery_status": "sent", "delivery_attempts": 1, "created_at": expires.Add(-48 * time.Hour), "updated_at": expires.Add(-48 * time.Hour),
					}
					for k, v := range gsi2 {
						item[k] = v
					}
					av, err := attributevalue.MarshalMap(item)
					if err != nil {
						errs <- err
						return
					}
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
				}
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
					if err != nil {
						errs <- err
						return
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// bareExpire is the run's write, bare: one conditional UpdateItem.
func bareExpire(b *testing.B, db *dynamodb.Client, table, id string, now time.Time) {
	b.Helper()
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                aws.String(table),
		Key:                      map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#ten_bench"}, "SK": &types.AttributeValueMemberS{Value: "I#" + id}},
		UpdateExpression:         aws.String("SET #status = :expired, updated_at = :now, #ttl = :ttl REMOVE sealed_token, GSI2PK, GSI2SK"),
		ConditionExpression:      aws.String("#status = :pending AND send_seq = :seq AND expires_ms <= :ms"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":expired": &types.AttributeValueMemberS{Value: "expired"}, ":pending": &types.AttributeValueMemberS{Value: "pending"},
			":now": &types.AttributeValueMemberS{Value: now.Format(time.RFC3339)}, ":ttl": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(720*time.Hour).Unix(), 10)},
			":seq": &types.AttributeValueMemberN{Value: "1"}, ":ms": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
}
