package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

type failingProcessor struct{ calls int }

func (p *failingProcessor) ProcessImportChunk(context.Context, string, string, int) error {
	p.calls++
	return errors.New("DynamoDB is throttling")
}

// A record whose work fails is reported for the stream to retry, and
// logged (in the app's JSON) with what names it.
func TestAFailureIsReportedAndLogged(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler func(log *slog.Logger) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
		event   string
		failed  string // the sequence number reported
		log     string // the warning, less its time
	}{
		{
			"email", func(log *slog.Logger) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				d := &recordingDeliverer{fail: map[string]bool{"inv_01JD0000000000000000000001": true}}
				return (&Handler{Deliverer: d, Log: log}).Handle
			},
			"send-invitation-email.json", "100000000000000000002",
			`{"level":"WARN","msg":"outbox: delivery will be retried","invitation_id":"inv_01JD0000000000000000000001","send_seq":1,"err":"SES is down"}`,
		},
		{
			"import", func(log *slog.Logger) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return (&Imports{Processor: &failingProcessor{}, Log: log}).Handle
			},
			"process-import.json", "200000000000000000002",
			`{"level":"WARN","msg":"imports: chunk will be retried","import_id":"imp_01JD0000000000000000000001","chunk":1,"err":"DynamoDB is throttling"}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			resp, err := c.handler(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{ReplaceAttr: noTime})))(context.Background(), event(t, c.event))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]events.DynamoDBBatchItemFailure{{ItemIdentifier: c.failed}}, resp.BatchItemFailures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if got := strings.TrimSuffix(logs.String(), "\n"); got != c.log {
				t.Errorf("log:\n%s\nwant:\n%s", got, c.log)
			}
		})
	}
}

func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
