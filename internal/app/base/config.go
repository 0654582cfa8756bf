package base

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
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
	// TokenTriggerARN is issue-token-claims' ARN, which tenant creation sets
	// on every pool (TOKEN_TRIGGER_ARN, the stack's TokenTriggerArn output;
	// unset locally, where cognito-local's trigger is global). Only
	// partnerctl reads it.
	TokenTriggerARN string
	// TenantRateLimit is each tenant's requests per second
	// (TENANT_RATE_LIMIT, default apigw.DefaultRateLimit).
	TenantRateLimit int
	// EventBusName is the EventBridge bus the events go to (EVENT_BUS_NAME);
	// unset in the local stack, whose bus is a log.
	EventBusName string
	// WebhookSenderFunction is the deliver-webhooks function that new
	// deliveries wake (WEBHOOK_SENDER_FUNCTION); unset, the schedule sends them.
	WebhookSenderFunction string
	// WebhooksAllowLoopback lets webhooks go to loopback addresses
	// (WEBHOOKS_ALLOW_LOOPBACK=1): the local stack's only, so that tests and
	// developers can receive; the deployed stack never sets it.
	WebhooksAllowLoopback bool
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
	c.TokenTriggerARN = getenv("TOKEN_TRIGGER_ARN")
	c.SESConfigurationSet = getenv("SES_CONFIGURATION_SET")
	c.EventBusName = getenv("EVENT_BUS_NAME")
	c.WebhookSenderFunction = getenv("WEBHOOK_SENDER_FUNCTION")
	switch v := getenv("WEBHOOKS_ALLOW_LOOPBACK"); v {
	case "", "0":
	case "1":
		c.WebhooksAllowLoopback = true
	default:
		problems = append(problems, "WEBHOOKS_ALLOW_LOOPBACK must be 1 or unset")
	}
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
