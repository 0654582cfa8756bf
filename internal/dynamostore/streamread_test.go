package dynamostore_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/partnerinvites/partnerinvites/internal/localgw"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// readStream reads the table's stream with the local stream poller until
// done says that the records read, counted by item, are enough, and
// returns them, each as the poller wrote it for Lambda.
func readStream(t *testing.T, table string, done func(map[string]int) bool) []json.RawMessage {
	t.Helper()
	var (
		mu      sync.Mutex
		records []json.RawMessage
		counts  = map[string]int{}
		enough  = make(chan struct{})
	)
	handler := func(_ context.Context, e struct{ Records []json.RawMessage }) (events.DynamoDBEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, raw := range e.Records {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				return events.DynamoDBEventResponse{}, err
			}
			records = append(records, raw)
			counts[rec.Change.Keys["SK"].String()]++
		}
		if done(counts) {
			select {
			case <-enough:
			default:
				close(enough)
			}
		}
		return events.DynamoDBEventResponse{}, nil
	}
	cfg := testenv.AWS(t)
	ctx, stop := context.WithCancel(context.Background())
	poller := &localgw.StreamPoller{
		DB: testenv.DynamoDB(t), Streams: dynamodbstreams.NewFromConfig(cfg), Table: table, Region: cfg.Region,
		Handler: handler, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond,
	}
	stopped := make(chan error, 1)
	go func() { stopped <- poller.Run(ctx) }()
	select {
	case <-enough:
	case <-time.After(30 * time.Second):
		t.Error("the stream did not bring every record within 30 s")
	}
	stop()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return records
}
