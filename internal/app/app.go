// Package app wires the product together once per cold start: it reads the
// configuration from the environment, builds the AWS clients from
// config.LoadDefaultConfig (endpoints come from the SDK's standard variables,
// such as AWS_ENDPOINT_URL_DYNAMODB), and hands each function its handler.
// Every functions/<name>/main.go and the local gateway start here.
package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/cognitoid"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/idempotency"
	"github.com/partnerinvites/partnerinvites/internal/outbox"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/seal"
	"github.com/partnerinvites/partnerinvites/internal/sesmail"
)

// Config is what the functions read from their environment.
type Config struct {
	// TableName is the DynamoDB table (TABLE_NAME).
	TableName string
	// SecretKey is the product's one secret (SECRET_KEY: 32 bytes, base64);
	// the keys that seal cursors, tokens and stored responses derive from it.
	SecretKey []byte
	// PreviousSecretKeys open (never seal) what an older secret sealed,
	// during a rotation (SECRET_KEY_PREVIOUS, optional).
	PreviousSecretKeys [][]byte
	// LogLevel is debug, info (default), warn or error (LOG_LEVEL).
	LogLevel slog.Level
	// ActivationBaseURL is where activation links point (ACTIVATION_BASE_URL):
	// the public API's URL.
	ActivationBaseURL string
	// SenderEmail is the From address of invitation emails (SENDER_EMAIL).
	SenderEmail string
	// SESConfigurationSet is named on every send (SES_CONFIGURATION_SET, optional).
	SESConfigurationSet string
	// DeliveryRetryWindow is how long a failing email is retried
	// (DELIVERY_RETRY_WINDOW, a Go duration; default 1h).
	DeliveryRetryWindow time.Duration
	// PoolNamePrefix starts the name of every tenant's Cognito user pool
	// (POOL_NAME_PREFIX, default "partner-invites-"); only tenant creation
	// (partnerctl) uses it. Each tenant's pool id is stored with the tenant.
	PoolNamePrefix string
	// TenantRateLimit is each tenant's requests per second
	// (TENANT_RATE_LIMIT, default apigw.DefaultRateLimit).
	TenantRateLimit int
}

// LoadConfig reads the configuration, naming every missing or bad variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	var problems []string
	if c.TableName = getenv("TABLE_NAME"); c.TableName == "" {
		problems = append(problems, "TABLE_NAME is not set")
	}
	secret := getenv("SECRET_KEY")
	key, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		key, err = base64.RawURLEncoding.DecodeString(secret)
	}
	switch {
	case secret == "":
		key = nil // only the functions that seal or sign are given it
	case err != nil || len(key) != 32:
		problems = append(problems, "SECRET_KEY must be 32 bytes in base64")
	}
	c.SecretKey = key
	if prev := getenv("SECRET_KEY_PREVIOUS"); prev != "" {
		k, err := base64.StdEncoding.DecodeString(prev)
		if err != nil {
			k, err = base64.RawURLEncoding.DecodeString(prev)
		}
		if err != nil || len(k) != 32 || key == nil {
			problems = append(problems, "SECRET_KEY_PREVIOUS must be 32 bytes in base64, beside SECRET_KEY")
		}
		c.PreviousSecretKeys = [][]byte{k}
	}
	if c.ActivationBaseURL = strings.TrimRight(getenv("ACTIVATION_BASE_URL"), "/"); c.ActivationBaseURL == "" {
		problems = append(problems, "ACTIVATION_BASE_URL is not set")
	}
	c.SenderEmail = getenv("SENDER_EMAIL")
	if c.PoolNamePrefix = getenv("POOL_NAME_PREFIX"); c.PoolNamePrefix == "" {
		c.PoolNamePrefix = "partner-invites-"
	}
	c.SESConfigurationSet = getenv("SES_CONFIGURATION_SET")
	c.DeliveryRetryWindow = time.Hour
	if w := getenv("DELIVERY_RETRY_WINDOW"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d <= 0 {
			problems = append(problems, "DELIVERY_RETRY_WINDOW must be a duration such as 1h")
		}
		c.DeliveryRetryWindow = d
	}
	if v := getenv("TENANT_RATE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			problems = append(problems, "TENANT_RATE_LIMIT must be a whole number of requests per second")
		}
		c.TenantRateLimit = n
	}
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			problems = append(problems, "LOG_LEVEL must be debug, info, warn or error")
		}
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// App holds what the functions share, built once.
type App struct {
	Config     Config
	AWS        aws.Config
	DynamoDB   *dynamodb.Client
	Store      *dynamostore.Store
	Service    *partners.Service
	Tenants    *partners.Tenants
	API        *apigw.API
	Authorizer *apigw.Authorizer
	Log        *slog.Logger
	clock      partners.Clock
	tokens     *partners.TokenSealer
	sesOptions []func(*sesv2.Options)
	// outbox is built on first use: only the email sender needs an SES
	// client, and building one costs cold-start time.
	outbox func() *outbox.Handler
}

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
}

// New builds the App from the environment. It reads its own variables
// (Config's) only through getenv, so a caller can hand it settings without
// editing the process environment; the AWS SDK still reads its standard
// variables (AWS_REGION, AWS_ENDPOINT_URL_*, credentials) from the process.
func New(ctx context.Context, getenv func(string) string, opts Options) (*App, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = partners.SystemClock{}
	}
	if opts.LogOutput == nil {
		opts.LogOutput = os.Stdout
	}
	log := slog.New(slog.NewJSONHandler(opts.LogOutput, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	db := NewDynamoDB(awsCfg, opts.DynamoDBOptions...)
	store := dynamostore.New(db, cfg.TableName)
	cursors, err := partners.NewCursors(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	tokens, err := partners.NewTokenSealer(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	responses, err := seal.New(cfg.SecretKey, "idempotent-response", cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	imports, err := partners.NewImportJobs(store, cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	csrf, err := seal.NewMAC(cfg.SecretKey, "activation-form", cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	// Built on first use: only the activation functions and tenant creation
	// talk to Cognito.
	cognito := sync.OnceValue(func() *cip.Client { return cip.NewFromConfig(awsCfg, opts.CognitoOptions...) })
	logins := &cognitoid.Logins{Client: cognito}
	svc := &partners.Service{
		Partners: store, Invitations: store, Settings: store, Imports: imports, Tenants: store, Cursors: cursors, Tokens: tokens,
		Memberships: store, Counter: store, Logins: logins, PasswordGuard: store, SendQuota: store, ActivationBaseURL: cfg.ActivationBaseURL, Clock: opts.Clock,
	}
	a := &App{
		Config: cfg, AWS: awsCfg, DynamoDB: db, Store: store, Log: log, Service: svc,
		Tenants: &partners.Tenants{Store: store, Pools: &lazyPools{client: cognito, prefix: cfg.PoolNamePrefix}, Clock: opts.Clock},
		API: &apigw.API{
			Partners: svc, Invitations: svc, Activations: svc, CSRF: csrf, Clock: opts.Clock, Log: log,
			Rate: store, RateLimit: cfg.TenantRateLimit,
			Idempotency: &idempotency.Guard{Store: store, Clock: opts.Clock, Box: responses},
		},
		Authorizer: &apigw.Authorizer{Keys: &partners.Authenticator{Keys: store}, Log: log},
		clock:      opts.Clock, tokens: tokens, sesOptions: opts.SESOptions,
	}
	a.outbox = sync.OnceValue(a.newOutbox)
	return a, nil
}

// lazyPools builds the Cognito pool maker on first use.
type lazyPools struct {
	client func() *cip.Client
	prefix string
}

func (p *lazyPools) pools() *cognitoid.Pools {
	return &cognitoid.Pools{Client: p.client(), NamePrefix: p.prefix}
}

func (p *lazyPools) CreatePool(ctx context.Context, tenantID string) (partners.LoginPool, error) {
	return p.pools().CreatePool(ctx, tenantID)
}

func (p *lazyPools) DeletePool(ctx context.Context, pool partners.LoginPool) error {
	return p.pools().DeletePool(ctx, pool)
}

// Imports returns the import worker's stream handler.
func (a *App) Imports() *outbox.Imports { return &outbox.Imports{Processor: a.Service, Log: a.Log} }

// Outbox returns the email sender's stream handler, building its SES client
// on first use.
func (a *App) Outbox() *outbox.Handler { return a.outbox() }

func (a *App) newOutbox() *outbox.Handler {
	return &outbox.Handler{
		Log: a.Log,
		Deliverer: &partners.Deliverer{
			Store:       a.Store,
			Mailer:      &sesmail.Mailer{Client: sesv2.NewFromConfig(a.AWS, a.sesOptions...), ConfigurationSet: a.Config.SESConfigurationSet},
			Tokens:      a.tokens,
			Clock:       a.clock,
			Log:         a.Log,
			From:        a.Config.SenderEmail,
			BaseURL:     a.Config.ActivationBaseURL,
			RetryWindow: a.Config.DeliveryRetryWindow,
		},
	}
}

// NewDynamoDB returns a DynamoDB client. Against an emulator (an endpoint
// override is set) it skips the response CRC32 check, which DynamoDB Local's
// error responses fail with a harmless warning on every call.
//
// The override is read from the client's resolved options, where the SDK has
// put AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL, rather than from the
// environment again: New reads its own variables only through the getenv it
// is given. The check runs after opts, so an endpoint they set counts too.
func NewDynamoDB(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	// Clipped so that appending never writes into the caller's array.
	return dynamodb.NewFromConfig(cfg, append(slices.Clip(opts), func(o *dynamodb.Options) {
		if o.BaseEndpoint != nil {
			o.DisableValidateResponseChecksum = true
		}
	})...)
}

// Handlers returns every function's Lambda handler by function name: what the
// local gateway and `partnerctl invoke` call. The functions' mains pass the
// same methods to lambda.Start.
func (a *App) Handlers() map[string]any {
	return map[string]any{
		apigw.AuthorizerFunction: a.Authorizer.Authorize,
		apigw.SendInvitationEmailFunction: func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return a.Outbox().Handle(ctx, e)
		},
		apigw.ProcessImportFunction: a.Imports().Handle,
		"get-import":                a.API.GetImport,
		"activation-page":           a.API.ActivationPage,
		"accept-activation":         a.API.AcceptActivation,
		"renew-activation":          a.API.RenewActivation,
		"create-activation":         a.API.CreateActivation,
		"list-memberships":          a.API.ListMemberships,
		"get-identity":              a.API.GetIdentity,
		"create-partner":            a.API.CreatePartner,
		"list-partners":             a.API.ListPartners,
		"get-partner":               a.API.GetPartner,
		"update-partner":            a.API.UpdatePartner,
		"invite-partner-user":       a.API.InviteUser,
		"list-partner-users":        a.API.ListPartnerUsers,
		"invite-partner-users":      a.API.InviteMany,
		"import-invitations":        a.API.ImportInvitations,
		"get-invitations-sample":    a.API.InvitationsSampleCSV,
		"list-invitations":          a.API.ListInvitations,
		"get-invitation":            a.API.GetInvitation,
		"resend-invitation":         a.API.ResendInvitation,
		"revoke-invitation":         a.API.RevokeInvitation,
		"get-settings":              a.API.GetSettings,
		"update-settings":           a.API.UpdateSettings,
	}
}

// Handler is what a function's main passes to lambda.Start: it builds the
// App from the environment and returns the named function's handler. A
// function that cannot start (bad configuration) logs why and exits, so
// that Lambda reports a failed init rather than serving errors.
func Handler(function string) any {
	a, err := New(context.Background(), os.Getenv, Options{})
	if err != nil {
		slog.Error("start", "function", function, "err", err)
		os.Exit(1)
	}
	h, ok := a.Handlers()[function]
	if !ok {
		slog.Error("start: no such function", "function", function)
		os.Exit(1)
	}
	return h
}
