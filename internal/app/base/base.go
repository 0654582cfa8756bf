// Package base builds what every function shares — configuration, logger,
// the DynamoDB client and store, the domain's Service, the API handlers and
// the authorizer — and nothing more: no Cognito, no SES, no phone metadata.
// The groups that need those (internal/app/phoneapp, loginapp, mailapp) add
// them, so that each function links and starts only what it uses.
package base

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/idempotency"
	"github.com/partnerinvites/partnerinvites/internal/outbox"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/seal"
	"github.com/partnerinvites/partnerinvites/internal/sesevents"
	"github.com/partnerinvites/partnerinvites/internal/sweep"
	"github.com/partnerinvites/partnerinvites/internal/tokenclaims"
	"github.com/partnerinvites/partnerinvites/internal/webhooks"
)

// Options adjust New for tests and the local gateway.
type Options struct {
	// Clock replaces the system clock.
	Clock partners.Clock
	// LogOutput replaces standard output as the log's destination.
	LogOutput io.Writer
	// DynamoDBOptions adjust the DynamoDB client (tests inject faults with them).
	DynamoDBOptions []func(*dynamodb.Options)
	// AWS replaces the configuration from the environment (AWSConfig): the
	// tools pass the SDK's full chain (profiles, SSO, config files).
	AWS *aws.Config
	// DynamoDB, when set, is the client the store uses (the tools keep it
	// for their own calls); otherwise New builds one.
	DynamoDB *dynamodb.Client
}

// App holds what the functions share, built once per cold start.
type App struct {
	Config     Config
	AWS        aws.Config
	Getenv     func(string) string
	Store      *dynamostore.Store
	Service    *partners.Service
	API        *apigw.API
	Authorizer *apigw.Authorizer
	Log        *slog.Logger
	Clock      partners.Clock
	Tokens     *partners.TokenSealer
	// Webhooks is the service of the tenants' webhook endpoints (its
	// Waker is set by the groups that wake the sender).
	Webhooks *partners.Webhooks
}

// New builds the App from the environment, read only through getenv.
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
	awsCfg := AWSConfig(getenv)
	if opts.AWS != nil {
		awsCfg = *opts.AWS
	}
	// The App keeps no client of its own (the store holds the operations it
	// calls): see dynamostore's client for why.
	db := opts.DynamoDB
	if db == nil {
		db = NewDynamoDB(awsCfg, getenv, opts.DynamoDBOptions...)
	}
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
	hookSecrets, err := partners.NewWebhookSecrets(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	hooks := &partners.Webhooks{
		Store: store, URLs: webhooks.Policy{AllowLoopback: cfg.WebhooksAllowLoopback}, Secrets: hookSecrets, Cursors: cursors, Clock: opts.Clock,
	}
	svc := &partners.Service{
		Partners: store, Invitations: store, Settings: store, Imports: imports, Tenants: store, Cursors: cursors, Tokens: tokens,
		Memberships: store, Access: store, Counter: store, PasswordGuard: store, Resets: store, Events: store, SendQuota: store, ActivationBaseURL: cfg.ActivationBaseURL, Clock: opts.Clock,
	}
	a := &App{
		Config: cfg, AWS: awsCfg, Getenv: getenv, Store: store, Service: svc, Log: log, Clock: opts.Clock, Tokens: tokens,
		Webhooks: hooks,
		API: &apigw.API{
			Partners: svc, Invitations: svc, Activations: svc, Events: svc, Resets: svc, Webhooks: hooks, Grants: svc, CSRF: csrf,
			Portal: svc, Clock: opts.Clock, Log: log,
			Rate: store, RateLimit: cfg.TenantRateLimit,
			Idempotency: &idempotency.Guard{Store: store, Clock: opts.Clock, Box: responses},
		},
		Authorizer: &apigw.Authorizer{Keys: &partners.Authenticator{Keys: store}, Log: log},
	}
	if partnerAuth != nil {
		a.API.PartnerAuth = partnerAuth(a)
	}
	return a, nil
}

// partnerAuth makes the verifier of partners' ID tokens; set by
// internal/app/partnerauth, which only the partner routes' functions (and
// the whole-product App) import.
var partnerAuth func(*App) apigw.PartnerAuthenticator

// RegisterPartnerAuth is how internal/app/partnerauth wires itself in.
func RegisterPartnerAuth(make func(*App) apigw.PartnerAuthenticator) { partnerAuth = make }

// Handlers returns the handler of every function by name, as far as the
// App's dependencies go: a group serves only its own functions (GroupOf),
// after adding what they need.
func (a *App) Handlers() map[string]any {
	return map[string]any{
		apigw.AuthorizerFunction:        a.Authorizer.Authorize,
		apigw.ProcessImportFunction:     a.Imports().Handle,
		"get-import":                    a.API.GetImport,
		"activation-page":               a.API.ActivationPage,
		"accept-activation":             a.API.AcceptActivation,
		"renew-activation":              a.API.RenewActivation,
		"decline-activation":            a.API.DeclineActivation,
		"partner-form":                  a.API.PartnerFormPage,
		"review-partner":                a.API.ReviewPartner,
		"update-partner-user":           a.API.UpdatePartnerUser,
		"remove-partner-user":           a.API.RemovePartnerUser,
		"move-partner-user":             a.API.MovePartnerUser,
		"forgot-password":               a.API.ForgotPassword,
		"reset-password":                a.API.ResetPasswordPage,
		"create-activation":             a.API.CreateActivation,
		"list-memberships":              a.API.ListMemberships,
		"get-identity":                  a.API.GetIdentity,
		"create-partner":                a.API.CreatePartner,
		"list-partners":                 a.API.ListPartners,
		"get-partner":                   a.API.GetPartner,
		"update-partner":                a.API.UpdatePartner,
		"set-partner-grants":            a.API.SetGrants,
		"invite-partner-user":           a.API.InviteUser,
		"list-partner-users":            a.API.ListPartnerUsers,
		"invite-partner-users":          a.API.InviteMany,
		"import-invitations":            a.API.ImportInvitations,
		"get-invitations-sample":        a.API.InvitationsSampleCSV,
		"list-invitations":              a.API.ListInvitations,
		"get-invitation":                a.API.GetInvitation,
		"resend-invitation":             a.API.ResendInvitation,
		"revoke-invitation":             a.API.RevokeInvitation,
		"get-settings":                  a.API.GetSettings,
		"update-settings":               a.API.UpdateSettings,
		"list-events":                   a.API.ListEvents,
		apigw.ExpireInvitationsFunction: a.Expiry().Handle,
		"create-webhook-endpoint":       a.API.CreateWebhookEndpoint,
		"list-webhook-endpoints":        a.API.ListWebhookEndpoints,
		"get-webhook-endpoint":          a.API.GetWebhookEndpoint,
		"update-webhook-endpoint":       a.API.UpdateWebhookEndpoint,
		"delete-webhook-endpoint":       a.API.DeleteWebhookEndpoint,
		"rotate-webhook-secret":         a.API.RotateWebhookSecret,
		"list-webhook-deliveries":       a.API.ListWebhookDeliveries,
		"retry-webhook-delivery":        a.API.RetryWebhookDelivery,
		apigw.DeliverWebhooksFunction:   a.WebhookSender().Handle,
		apigw.RecordEmailEventFunction:  a.EmailEvents().Handle,
		apigw.IssueTokenClaimsFunction:  a.TokenClaims().Handle,
		"partner-get":                   a.API.GetOwnPartner,
		"partner-submit-answers":        a.API.SubmitOwnAnswers,
		"partner-list-users":            a.API.ListOwnUsers,
		"partner-invite-user":           a.API.InviteOwn,
		"partner-list-invitations":      a.API.ListOwnInvitations,
		"partner-resend-invitation":     a.API.ResendOwn,
		"partner-revoke-invitation":     a.API.RevokeOwn,
	}
}

// Handler returns one function's handler from a group's builder: a
// function of another group, or a builder that fails (bad configuration),
// is an error.
func Handler(function string, group Group, build func() (map[string]any, error)) (any, error) {
	if err := checkGroup(function, group); err != nil {
		return nil, err
	}
	handlers, err := build()
	if err != nil {
		return nil, err
	}
	h, ok := handlers[function]
	if !ok {
		return nil, fmt.Errorf("no handler for function %s", function)
	}
	return h, nil
}

// Start returns the handler for lambda.Start, or — if the function cannot
// start — logs why and exits, so that Lambda reports a failed init rather
// than serving errors.
func Start(function string, h any, err error) any {
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("start", "function", function, "err", err)
		os.Exit(1)
	}
	return h
}

// Main is the base group's entry point for a function's main: it builds
// the App from the environment and returns the handler that pick selects.
//
// The main names its own handler (pick), rather than looking it up in
// Handlers, so that the linker sees only that handler reachable: a map of
// every handler would make every route's code — template rendering, with
// the reflection that keeps every exported method of every SDK client —
// part of every function.
func Main(function string, pick func(*App) any) any {
	h, err := Build(function, GroupBase, pick, func() (*App, error) {
		return New(context.Background(), os.Getenv, Options{})
	})
	return Start(function, h, err)
}

// Build builds a function of a group with its builder and picks its
// handler; a function of another group is an error.
func Build(function string, group Group, pick func(*App) any, build func() (*App, error)) (any, error) {
	if err := checkGroup(function, group); err != nil {
		return nil, err
	}
	a, err := build()
	if err != nil {
		return nil, err
	}
	return pick(a), nil
}

// Expiry returns the expiry schedule's handler.
func (a *App) Expiry() *sweep.Expiry {
	return &sweep.Expiry{Expirer: &partners.Expirer{Store: a.Store, Clock: a.Clock}, Log: a.Log}
}

// WebhookSender returns the webhook sender's handler: attempts over
// HTTPS to public addresses only, each claimed with a lease.
func (a *App) WebhookSender() *webhooks.Sender {
	return &webhooks.Sender{Log: a.Log, Sender: &partners.WebhookSender{
		Store: a.Store, Transport: webhooks.NewTransport(webhooks.Policy{AllowLoopback: a.Config.WebhooksAllowLoopback}),
		Secrets: a.Webhooks.Secrets, Clock: a.Clock, Reserve: webhooks.Timeout + 2*time.Second,
	}}
}

// EmailEvents returns the handler of SES's events (record-email-event).
func (a *App) EmailEvents() *sesevents.Handler {
	return &sesevents.Handler{Log: a.Log, Reports: &partners.EmailReports{Store: a.Store, Clock: a.Clock, Log: a.Log}}
}

// TokenClaims returns the token trigger's handler (issue-token-claims).
func (a *App) TokenClaims() *tokenclaims.Handler {
	return &tokenclaims.Handler{Access: a.Access(), Log: a.Log}
}

// Access returns what decides, from the table, what a login may reach.
func (a *App) Access() *partners.AccessReader {
	return &partners.AccessReader{Pools: a.Store, Memberships: a.Store, Partners: a.Store}
}

// Imports returns the import worker's stream handler.
func (a *App) Imports() *outbox.Imports { return &outbox.Imports{Processor: a.Service, Log: a.Log} }
