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
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/idempotency"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Config is what the functions read from their environment.
type Config struct {
	// TableName is the DynamoDB table (TABLE_NAME).
	TableName string
	// SecretKey is the product's one secret (SECRET_KEY: 32 bytes, base64);
	// the keys that seal cursors, tokens and stored responses derive from it.
	SecretKey []byte
	// LogLevel is debug, info (default), warn or error (LOG_LEVEL).
	LogLevel slog.Level
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
		problems = append(problems, "SECRET_KEY is not set")
	case err != nil || len(key) != 32:
		problems = append(problems, "SECRET_KEY must be 32 bytes in base64")
	}
	c.SecretKey = key
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
	Tenants    *partners.Tenants
	API        *apigw.API
	Authorizer *apigw.Authorizer
	Log        *slog.Logger
}

// Options adjust New for tests and the local gateway.
type Options struct {
	// Clock replaces the system clock.
	Clock partners.Clock
	// LogOutput replaces standard output as the log's destination.
	LogOutput io.Writer
}

// New builds the App from the environment.
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
	db := NewDynamoDB(awsCfg)
	store := dynamostore.New(db, cfg.TableName)
	cursors, err := partners.NewCursors(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	return &App{
		Config: cfg, AWS: awsCfg, DynamoDB: db, Store: store, Log: log,
		Tenants: &partners.Tenants{Store: store, Clock: opts.Clock},
		API: &apigw.API{
			Partners:    &partners.Service{Partners: store, Cursors: cursors, Clock: opts.Clock},
			Idempotency: &idempotency.Guard{Store: store, Clock: opts.Clock},
			Log:         log,
		},
		Authorizer: &apigw.Authorizer{Keys: &partners.Authenticator{Keys: store}, Log: log},
	}, nil
}

// NewDynamoDB returns a DynamoDB client. Against an emulator (an endpoint
// override is set) it skips the response CRC32 check, which DynamoDB Local's
// error responses fail with a harmless warning on every call.
func NewDynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
			o.DisableValidateResponseChecksum = true
		}
	})
}

// Handlers returns every function's Lambda handler by function name: what the
// local gateway and `partnerctl invoke` call. The functions' mains pass the
// same methods to lambda.Start.
func (a *App) Handlers() map[string]any {
	return map[string]any{
		apigw.AuthorizerFunction: a.Authorizer.Authorize,
		"create-partner":         a.API.CreatePartner,
		"list-partners":          a.API.ListPartners,
		"get-partner":            a.API.GetPartner,
		"update-partner":         a.API.UpdatePartner,
	}
}
