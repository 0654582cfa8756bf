// Package loginapp wires the functions that make or check partner logins:
// the base and a Cognito client (built on first use).
package loginapp

import (
	"context"
	"os"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/cognitoid"
)

// Cognito returns the Cognito client maker of an App: the client is built
// on first use, with the environment's endpoint override.
func Cognito(a *base.App, opts ...func(*cip.Options)) func() *cip.Client {
	endpoint := base.WithEndpoint(a.Getenv, "COGNITO_IDENTITY_PROVIDER", func(o *cip.Options, e *string) { o.BaseEndpoint = e })
	// Not sync.OnceValue: its generic dictionary marks *cip.Client as held in
	// an interface, which keeps every Cognito operation in the binary (see
	// cognitoid's operations).
	var (
		once   sync.Once
		client *cip.Client
	)
	return func() *cip.Client {
		once.Do(func() { client = cip.NewFromConfig(a.AWS, append([]func(*cip.Options){endpoint}, opts...)...) })
		return client
	}
}

// New builds the base App with partner logins.
func New(ctx context.Context, getenv func(string) string, opts base.Options, cognitoOpts ...func(*cip.Options)) (*base.App, error) {
	a, err := base.New(ctx, getenv, opts)
	if err != nil {
		return nil, err
	}
	a.Service.Logins = cognitoid.NewLogins(Cognito(a, cognitoOpts...))
	return a, nil
}

// Handler returns one of the group's functions' handler.
func Handler(ctx context.Context, function string, getenv func(string) string, opts base.Options, cognitoOpts ...func(*cip.Options)) (any, error) {
	return base.Handler(function, base.GroupLogins, func() (map[string]any, error) {
		a, err := New(ctx, getenv, opts, cognitoOpts...)
		if err != nil {
			return nil, err
		}
		return a.Handlers(), nil
	})
}

// Main is what the group's functions' mains pass to lambda.Start (see
// base.Main for why the main picks its handler).
func Main(function string, pick func(*base.App) any) any {
	h, err := base.Build(function, base.GroupLogins, pick, func() (*base.App, error) {
		return New(context.Background(), os.Getenv, base.Options{})
	})
	return base.Start(function, h, err)
}
