// Package eventsapp wires the event publisher: the base, the stream handler
// that turns changes into events, and the sinks — the EventBridge bus (the
// local stack's is a log) and the webhooks' fan-out, which wakes the
// sender through Lambda.
package eventsapp

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/hooksapp"
	"github.com/partnerinvites/partnerinvites/internal/eventbus"
	"github.com/partnerinvites/partnerinvites/internal/outbox"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/resources"
)

// Publisher returns the event publisher's stream handler for an App.
func Publisher(a *base.App, lambdaOpts ...func(*lambda.Options)) *outbox.Events {
	var bus partners.EventSink = &eventbus.Log{Log: a.Log}
	if a.Config.EventBusName != "" {
		endpoint := base.WithEndpoint(a.Getenv, "EVENTBRIDGE", func(o *eventbridge.Options, e *string) { o.BaseEndpoint = e })
		bus = &eventbus.Bus{Client: eventbridge.NewFromConfig(a.AWS, endpoint), Name: a.Config.EventBusName}
	}
	return &outbox.Events{
		Log: a.Log,
		Publisher: &partners.EventPublisher{
			Store: a.Store, Render: resources.RenderObject, Purges: a.Store, Partners: a.Store, Clock: a.Clock, Bus: bus, Sinks: []partners.EventSink{&partners.WebhookFanout{
				Store: a.Store, Render: resources.EventJSON, Waker: hooksapp.Waker(a, lambdaOpts...),
			}},
		},
	}
}

// Handler returns one of the group's functions' handler.
func Handler(ctx context.Context, function string, getenv func(string) string, opts base.Options, lambdaOpts ...func(*lambda.Options)) (any, error) {
	return base.Handler(function, base.GroupEvents, func() (map[string]any, error) {
		a, err := base.New(ctx, getenv, opts)
		if err != nil {
			return nil, err
		}
		return map[string]any{apigw.PublishEventsFunction: Publisher(a, lambdaOpts...).Handle}, nil
	})
}

// Main is what the event publisher's main passes to lambda.Start.
func Main(function string) any {
	h, err := base.Build(function, base.GroupEvents, func(a *base.App) any { return Publisher(a).Handle },
		func() (*base.App, error) { return base.New(context.Background(), os.Getenv, base.Options{}) })
	return base.Start(function, h, err)
}
