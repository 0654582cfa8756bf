// Package mailapp wires the email sender: the base, the outbox handler and
// an SES client.
package mailapp

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/outbox"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/sesmail"
)

// Outbox returns the email sender's stream handler for an App.
func Outbox(a *base.App, sesOpts ...func(*sesv2.Options)) *outbox.Handler {
	endpoint := base.WithEndpoint(a.Getenv, "SESV2", func(o *sesv2.Options, e *string) { o.BaseEndpoint = e })
	client := sesv2.NewFromConfig(a.AWS, append([]func(*sesv2.Options){endpoint}, sesOpts...)...)
	mailer := &sesmail.Mailer{SendEmail: client.SendEmail, ConfigurationSet: a.Config.SESConfigurationSet}
	return &outbox.Handler{
		Log: a.Log,
		Resets: &partners.ResetMailer{
			Store: a.Store, Mailer: mailer, Clock: a.Clock, Log: a.Log, From: a.Config.SenderEmail,
			BaseURL: a.Config.ActivationBaseURL, RetryWindow: a.Config.DeliveryRetryWindow,
		},
		Deliverer: &partners.Deliverer{
			Store:       a.Store,
			Mailer:      mailer,
			Tokens:      a.Tokens,
			Clock:       a.Clock,
			Log:         a.Log,
			From:        a.Config.SenderEmail,
			BaseURL:     a.Config.ActivationBaseURL,
			RetryWindow: a.Config.DeliveryRetryWindow,
		},
	}
}

// Handler returns one of the group's functions' handler.
func Handler(ctx context.Context, function string, getenv func(string) string, opts base.Options, sesOpts ...func(*sesv2.Options)) (any, error) {
	return base.Handler(function, base.GroupMail, func() (map[string]any, error) {
		a, err := base.New(ctx, getenv, opts)
		if err != nil {
			return nil, err
		}
		return map[string]any{apigw.SendInvitationEmailFunction: Outbox(a, sesOpts...).Handle}, nil
	})
}

// Main is what the email sender's main passes to lambda.Start.
func Main(function string) any {
	h, err := base.Build(function, base.GroupMail, func(a *base.App) any { return Outbox(a).Handle },
		func() (*base.App, error) { return base.New(context.Background(), os.Getenv, base.Options{}) })
	return base.Start(function, h, err)
}
