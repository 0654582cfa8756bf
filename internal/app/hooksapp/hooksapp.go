// Package hooksapp wires the functions that wake the webhook sender: the
// base and a Lambda client, whose asynchronous invocations start a sender
// for new or retried deliveries.
package hooksapp

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/webhooks/wake"
)

// Waker returns the sender's waker of an App, or nil when the App names no
// sender function (the schedule alone sends then).
func Waker(a *base.App, opts ...func(*lambda.Options)) partners.WebhookWaker {
	if a.Config.WebhookSenderFunction == "" {
		return nil
	}
	endpoint := base.WithEndpoint(a.Getenv, "LAMBDA", func(o *lambda.Options, e *string) { o.BaseEndpoint = e })
	return &wake.Waker{Client: lambda.NewFromConfig(a.AWS, append([]func(*lambda.Options){endpoint}, opts...)...), Function: a.Config.WebhookSenderFunction}
}

// New adds the waker to an App's webhook service.
func New(a *base.App, opts ...func(*lambda.Options)) *base.App {
	a.Webhooks.Waker = Waker(a, opts...)
	return a
}

// Handler returns one of the group's functions' handler.
func Handler(ctx context.Context, function string, getenv func(string) string, opts base.Options, lambdaOpts ...func(*lambda.Options)) (any, error) {
	return base.Handler(function, base.GroupWebhooks, func() (map[string]any, error) {
		a, err := base.New(ctx, getenv, opts)
		if err != nil {
			return nil, err
		}
		return New(a, lambdaOpts...).Handlers(), nil
	})
}

// Main is what the group's mains pass to lambda.Start.
func Main(function string, pick func(*base.App) any) any {
	h, err := base.Build(function, base.GroupWebhooks, pick, func() (*base.App, error) {
		a, err := base.New(context.Background(), os.Getenv, base.Options{})
		if err != nil {
			return nil, err
		}
		return New(a), nil
	})
	return base.Start(function, h, err)
}
