package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

type call struct {
	tenantID, invitationID string
	sendSeq                int
}

type recordingDeliverer struct {
	calls []call
	fail  map[string]bool
}

func (d *recordingDeliverer) Deliver(_ context.Context, tenantID, invitationID string, sendSeq int) error {
	d.calls = append(d.calls, call{tenantID, invitationID, sendSeq})
	if d.fail[invitationID] {
		return errors.New("SES is down")
	}
	return nil
}

// event reads a sample event of events/.
func event(t *testing.T, file string) events.DynamoDBEvent {
	t.Helper()
	b, err := os.ReadFile("../../events/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var e events.DynamoDBEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func sample(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	return event(t, "send-invitation-email.json")
}

func TestHandleDeliversOnlyNewQueuedIssues(t *testing.T) {
	d := &recordingDeliverer{}
	h := &Handler{Deliverer: d, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	resp, err := h.Handle(context.Background(), sample(t))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v", resp, err)
	}
	want := []call{{"ten_01JD00000000000000SAMPLE00", "inv_01JD0000000000000000000001", 1}}
	if diff := cmp.Diff(want, d.calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

func TestHandleStopsAtTheFirstFailure(t *testing.T) {
	e := sample(t)
	second := e.Records[1]
	second.Change.NewImage = copyImage(second.Change.NewImage)
	second.Change.NewImage["id"] = events.NewStringAttribute("inv_01JD0000000000000000000002")
	second.Change.SequenceNumber = "100000000000000000009"
	e.Records = append(e.Records, second)

	d := &recordingDeliverer{fail: map[string]bool{"inv_01JD0000000000000000000001": true}}
	h := &Handler{Deliverer: d, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	resp, err := h.Handle(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]events.DynamoDBBatchItemFailure{{ItemIdentifier: "100000000000000000002"}}, resp.BatchItemFailures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if len(d.calls) != 1 {
		t.Errorf("delivered past the failure: %v", d.calls)
	}
}

func copyImage(img map[string]events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
	out := make(map[string]events.DynamoDBAttributeValue, len(img))
	for k, v := range img {
		out[k] = v
	}
	return out
}

type recordingProcessor struct{ chunks []string }

func (p *recordingProcessor) ProcessImportChunk(_ context.Context, tenantID, importID string, index int) error {
	p.chunks = append(p.chunks, fmt.Sprintf("%s/%s/%d", tenantID, importID, index))
	return nil
}

func TestImportsProcessOnlyQueuedChunks(t *testing.T) {
	e := event(t, "process-import.json")
	p := &recordingProcessor{}
	h := &Imports{Processor: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if resp, err := h.Handle(context.Background(), e); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v", resp, err)
	}
	if diff := cmp.Diff([]string{"ten_01JD00000000000000SAMPLE00/imp_01JD0000000000000000000001/1"}, p.chunks); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}
