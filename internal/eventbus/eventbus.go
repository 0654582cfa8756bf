// Package eventbus sends the product's events to an Amazon EventBridge bus,
// for tenants who deploy the stack into their own account; locally, where
// there is no EventBridge, to a log that tests and developers read.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// Source is the source of every event on the bus.
const Source = "partnerinvites"

// PutEventsAPI is the part of the EventBridge client the bus uses.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Bus puts each event on an EventBridge bus: detail-type is the event's
// type, detail the event as the API shows it.
type Bus struct {
	Client PutEventsAPI
	Name   string
}

// Publish puts one event. EventBridge delivers at least once; its rules'
// targets tell a repeat by the detail's id.
func (b *Bus) Publish(ctx context.Context, e partners.Event) error {
	detail, err := json.Marshal(resources.EventOf(e))
	if err != nil {
		return fmt.Errorf("encode %s: %w", e.ID, err)
	}
	out, err := b.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		EventBusName: aws.String(b.Name), Source: aws.String(Source), DetailType: aws.String(string(e.Type)),
		Detail: aws.String(string(detail)), Time: aws.Time(e.At), Resources: []string{},
	}}})
	if err != nil {
		return fmt.Errorf("put %s on %s: %w", e.ID, b.Name, err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		return fmt.Errorf("put %s on %s: %s %s", e.ID, b.Name, aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage))
	}
	return nil
}

// Log is the local stack's bus: each event is a log line ("event bus")
// holding what the bus would carry.
type Log struct{ Log *slog.Logger }

// LogMessage is the message of Log's lines.
const LogMessage = "event bus"

// Publish writes the event's line.
func (l *Log) Publish(_ context.Context, e partners.Event) error {
	l.Log.Info(LogMessage, "source", Source, "detail_type", string(e.Type), "detail", resources.EventOf(e))
	return nil
}
