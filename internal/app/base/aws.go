package base

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// AWSConfig is the SDK configuration from the environment alone: region
// and credentials from the variables Lambda sets (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
//
// It does not use config.LoadDefaultConfig: that links and runs the shared
// config files, SSO, SSO-OIDC, STS and sign-in credential chains, which a
// Lambda never uses and which cost every cold start (figures in
// docs/benchmarks.md). The emulators' endpoints are read per client by
// Endpoint, from the SDK's own variable names.
func AWSConfig(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	return aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))),
	}
}

// Endpoint is the endpoint override for a service from the SDK's standard
// variables — AWS_ENDPOINT_URL_<SERVICE> (e.g. DYNAMODB, SESV2,
// COGNITO_IDENTITY_PROVIDER), then AWS_ENDPOINT_URL — or nil for AWS's own.
func Endpoint(getenv func(string) string, service string) *string {
	for _, name := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := getenv(name); v != "" {
			return aws.String(v)
		}
	}
	return nil
}

// WithEndpoint sets a client's endpoint override, if the environment names one.
func WithEndpoint[O any](getenv func(string) string, service string, set func(*O, *string)) func(*O) {
	endpoint := Endpoint(getenv, service)
	return func(o *O) {
		if endpoint != nil {
			set(o, endpoint)
		}
	}
}

// NewDynamoDB returns a DynamoDB client. Against an emulator (an endpoint
// override is set) it skips the response CRC32 check, which DynamoDB Local's
// error responses fail with a harmless warning on every call. The check
// runs after opts, so an endpoint they set counts too.
func NewDynamoDB(cfg aws.Config, getenv func(string) string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	endpoint := WithEndpoint(getenv, "DYNAMODB", func(o *dynamodb.Options, e *string) { o.BaseEndpoint = e })
	// Clipped so that appending never writes into the caller's array.
	all := append([]func(*dynamodb.Options){endpoint}, slices.Clip(opts)...)
	return dynamodb.NewFromConfig(cfg, append(all, func(o *dynamodb.Options) {
		if o.BaseEndpoint != nil {
			o.DisableValidateResponseChecksum = true
		}
	})...)
}
