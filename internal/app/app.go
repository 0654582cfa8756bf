// Package app wires the whole product in one process: what the local
// gateway, `partnerctl` and the tests run. It links every group (base,
// phoneapp, loginapp, mailapp) and so everything; a deployed function links
// only its own group, through its main.go.
package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/eventsapp"
	"github.com/partnerinvites/partnerinvites/internal/app/hooksapp"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
	"github.com/partnerinvites/partnerinvites/internal/app/mailapp"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // the partner routes, for tools and tests
	"github.com/partnerinvites/partnerinvites/internal/app/phoneapp"
	"github.com/partnerinvites/partnerinvites/internal/cognitoid"
	"github.com/partnerinvites/partnerinvites/internal/outbox"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/phones"
)

// Config is what the functions read from their environment.
type Config = base.Config

// LoadConfig reads the configuration, naming every missing or bad variable.
func LoadConfig(getenv func(string) string) (Config, error) { return base.LoadConfig(getenv) }

// Options adjust New for tests and the local gateway.
type Options struct {
	// Clock replaces the system clock.
	Clock partners.Clock
	// LogOutput replaces standard output as the log's destination.
	LogOutput io.Writer
	// CognitoOptions adjust the Cognito client (tests inject faults with them).
	CognitoOptions []func(*cip.Options)
	// SESOptions adjust the SES client, likewise.
	SESOptions []func(*sesv2.Options)
	// DynamoDBOptions adjust the DynamoDB client, likewise.
	DynamoDBOptions []func(*dynamodb.Options)
	// LambdaOptions adjust the Lambda client (the webhook sender's waker), likewise.
	LambdaOptions []func(*lambda.Options)
}

func (o Options) base() base.Options {
	return base.Options{Clock: o.Clock, LogOutput: o.LogOutput, DynamoDBOptions: o.DynamoDBOptions}
}

// App is every group's wiring in one: the base, with phone numbers, partner
// logins, tenant creation (which makes each tenant's user pool) and the
// email sender.
type App struct {
	*base.App
	// DynamoDB is the store's client, for the tools' own calls (the test
	// clock, the stream readers, table dumps).
	DynamoDB *dynamodb.Client
	Tenants  *partners.Tenants
	// outbox is built on first use: only the email sender needs an SES client.
	outbox func() *outbox.Handler
	// events is built on first use, likewise (the bus's client).
	events func() *outbox.Events
}

// New builds the App from the environment, read only through getenv.
func New(ctx context.Context, getenv func(string) string, opts Options) (*App, error) {
	// The whole-product App serves tools (partnerctl, the local gateway's
	// stream readers, the tests' own clients), which may run with a profile
	// or SSO and build more clients than a function does — DynamoDB Streams
	// among them — so it takes the SDK's full configuration, which resolves
	// every service's endpoint variable. The functions' groups use
	// base.AWSConfig alone.
	sdk, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	bopts := opts.base()
	bopts.AWS = &sdk
	bopts.DynamoDB = base.NewDynamoDB(sdk, getenv, opts.DynamoDBOptions...)
	b, err := base.New(ctx, getenv, bopts)
	if err != nil {
		return nil, err
	}
	b.Service.Phones = phones.Normalize
	cognito := loginapp.Cognito(b, opts.CognitoOptions...)
	b.Service.Logins = cognitoid.NewLogins(cognito)
	a := &App{
		App:      b,
		DynamoDB: bopts.DynamoDB,
		Tenants:  &partners.Tenants{Store: b.Store, Pools: &lazyPools{client: cognito, prefix: b.Config.PoolNamePrefix, trigger: b.Config.TokenTriggerARN}, Clock: b.Clock},
	}
	a.outbox = sync.OnceValue(func() *outbox.Handler { return mailapp.Outbox(b, opts.SESOptions...) })
	hooksapp.New(b, opts.LambdaOptions...)
	a.events = sync.OnceValue(func() *outbox.Events { return eventsapp.Publisher(b, opts.LambdaOptions...) })
	return a, nil
}

// lazyPools builds the Cognito pool maker on first use.
type lazyPools struct {
	client  func() *cip.Client
	prefix  string
	trigger string
}

func (p *lazyPools) pools() *cognitoid.Pools {
	return &cognitoid.Pools{Client: p.client(), NamePrefix: p.prefix, TokenTrigger: p.trigger}
}

// SetTokenTrigger makes an older pool run the token trigger.
func (p *lazyPools) SetTokenTrigger(ctx context.Context, pool partners.LoginPool) (bool, error) {
	return p.pools().SetTokenTrigger(ctx, pool)
}

func (p *lazyPools) CreatePool(ctx context.Context, tenantID string) (partners.LoginPool, error) {
	return p.pools().CreatePool(ctx, tenantID)
}

func (p *lazyPools) DeletePool(ctx context.Context, pool partners.LoginPool) error {
	return p.pools().DeletePool(ctx, pool)
}

// SyncedPool is what SyncPools did for one tenant.
type SyncedPool struct {
	TenantID string `json:"tenant_id"`
	PoolID   string `json:"user_pool_id"`
	// TriggerSet says the pool did not run the token trigger and now does.
	TriggerSet bool `json:"trigger_set"`
}

// SyncPools brings the tenants made before the token trigger up to date:
// each gets its pool entry (the trigger's pool → tenant lookup; rewriting
// one is harmless) and, when TOKEN_TRIGGER_ARN is set, its pool runs the
// trigger. An operator's migration (partnerctl tenant sync-pools): it
// scans the table for tenants, which no function or route ever does.
func (a *App) SyncPools(ctx context.Context) ([]SyncedPool, error) {
	tenants, err := a.Store.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	pools := a.Tenants.Pools.(*lazyPools)
	out := make([]SyncedPool, 0, len(tenants))
	for _, t := range tenants {
		if t.Pool.ID == "" {
			continue
		}
		if err := a.Store.PutPoolEntry(ctx, t); err != nil {
			return out, err
		}
		set, err := pools.SetTokenTrigger(ctx, t.Pool)
		if err != nil {
			return out, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		out = append(out, SyncedPool{TenantID: t.ID, PoolID: t.Pool.ID, TriggerSet: set})
	}
	return out, nil
}

// Outbox returns the email sender's stream handler.
func (a *App) Outbox() *outbox.Handler { return a.outbox() }

// Handlers returns every function's handler by name: what the local
// gateway and `partnerctl invoke` call.
func (a *App) Handlers() map[string]any {
	h := a.App.Handlers()
	// Built on the first batch, not here: tools list every handler.
	h[apigw.SendInvitationEmailFunction] = func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return a.Outbox().Handle(ctx, e)
	}
	h[apigw.PublishEventsFunction] = func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return a.events().Handle(ctx, e)
	}
	return h
}

// FunctionHandler builds one function's handler exactly as its Lambda does,
// through the function's own group: the tests run each function this way,
// so a function whose group lacks what it uses fails them.
func FunctionHandler(ctx context.Context, function string, getenv func(string) string, opts Options) (any, error) {
	switch g := base.GroupOf(function); g {
	case base.GroupBase:
		return base.Handler(function, g, func() (map[string]any, error) {
			b, err := base.New(ctx, getenv, opts.base())
			if err != nil {
				return nil, err
			}
			return b.Handlers(), nil
		})
	case base.GroupPhones:
		return phoneapp.Handler(ctx, function, getenv, opts.base())
	case base.GroupLogins:
		return loginapp.Handler(ctx, function, getenv, opts.base(), opts.CognitoOptions...)
	case base.GroupMail:
		return mailapp.Handler(ctx, function, getenv, opts.base(), opts.SESOptions...)
	case base.GroupEvents:
		return eventsapp.Handler(ctx, function, getenv, opts.base(), opts.LambdaOptions...)
	case base.GroupWebhooks:
		return hooksapp.Handler(ctx, function, getenv, opts.base(), opts.LambdaOptions...)
	default:
		return nil, fmt.Errorf("function %s: unknown group %s", function, g)
	}
}

// NewDynamoDB returns a DynamoDB client for cfg, with the environment's
// endpoint override (see base.NewDynamoDB).
func NewDynamoDB(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return base.NewDynamoDB(cfg, os.Getenv, opts...)
}
