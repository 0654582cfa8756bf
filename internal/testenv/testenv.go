// Package testenv connects tests to the local emulators started by
// `make test` (local/stack.sh with …), which exports their endpoints.
//
// Without the endpoints a test that needs an emulator is skipped, so that a
// plain `go test ./...` still runs the unit tests; with
// PI_REQUIRE_EMULATORS=1 (set by `make test` and CI) it fails instead, so
// that CI can never pass by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
)

// AWS returns an SDK config pointed at the emulators, or skips (or fails) the
// test when they are not configured.
func AWS(t testing.TB) aws.Config {
	t.Helper()
	for _, v := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL_SESV2"} {
		if os.Getenv(v) != "" {
			continue
		}
		if os.Getenv("PI_REQUIRE_EMULATORS") == "1" {
			t.Fatalf("%s is not set: the emulators are required (run `make test`)", v)
		}
		t.Skipf("%s is not set: run `make test` to start the emulators", v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("load AWS config: %v", err)
	}
	return cfg
}

// DynamoDB returns a client of the DynamoDB emulator.
func DynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	return app.NewDynamoDB(AWS(t))
}

// NewTable creates a table with the product's schema under a fresh name and
// deletes it when the test ends.
func NewTable(t testing.TB, db *dynamodb.Client) string {
	t.Helper()
	name := "test-" + sanitize(t.Name()) + "-" + randomHex(4)
	if len(name) > 255 {
		name = name[:255]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamostore.EnsureTable(ctx, db, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// Env returns a getenv for app.New: the process environment plus the given
// table, a fresh secret key and test defaults; overrides are KEY, VALUE pairs.
func Env(table string, overrides ...string) func(string) string {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	vars := map[string]string{
		"TABLE_NAME":            table,
		"SECRET_KEY":            base64.StdEncoding.EncodeToString(secret),
		"LOG_LEVEL":             "info",
		"ACTIVATION_BASE_URL":   "http://127.0.0.1:8080",
		"SENDER_EMAIL":          "invites@partner-invites.example",
		"DELIVERY_RETRY_WINDOW": "1h",
		// Tests poll with clocks that stand still: the rate's own test sets
		// a real limit.
		"TENANT_RATE_LIMIT": "100000",
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		vars[overrides[i]] = overrides[i+1]
	}
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
