package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesv2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Defaults of a local stack.
const (
	defaultTable  = "partner-invites-local"
	defaultSender = "invites@partner-invites.example"
)

// bootstrap creates what a local stack (or LocalStack) needs and writes its
// settings to local/.stack.env. It is idempotent: the secret key is kept
// once made, so cursors and sealed tokens stay valid across restarts.
func bootstrap(ctx context.Context, env environ, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	out := fs.String("env-file", "", "where to write the settings (default local/.stack.env)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *out == "" {
		root := findRoot()
		if root == "" {
			return fmt.Errorf("no local/ folder found upwards; pass --env-file")
		}
		*out = filepath.Join(root, "local", ".stack.env")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	table := env.Or("TABLE_NAME", defaultTable)
	if err := dynamostore.EnsureTable(ctx, app.NewDynamoDB(cfg), table); err != nil {
		return err
	}
	// Every tenant gets its own user pool when it is made; the prefix keeps
	// this stack's pools apart from others in the account.
	poolPrefix := env.Or("POOL_NAME_PREFIX", table+"-")
	sender := env.Or("SENDER_EMAIL", defaultSender)
	if err := ensureSender(ctx, sesv2.NewFromConfig(cfg), sender); err != nil {
		return err
	}
	secret := env.Getenv("SECRET_KEY")
	if secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = base64.StdEncoding.EncodeToString(b)
	}
	vars := map[string]string{
		"TABLE_NAME": table, "POOL_NAME_PREFIX": poolPrefix, "SECRET_KEY": secret, "SENDER_EMAIL": sender,
	}
	keys := []string{"TABLE_NAME", "POOL_NAME_PREFIX", "SECRET_KEY", "SENDER_EMAIL"}
	if err := writeEnvFile(*out, keys, vars); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "bootstrap: table %s, tenants' user pools named %s<tenant id>; settings in %s\n", table, poolPrefix, *out)
	return nil
}

// newApp builds the App from env, with activation links pointing at the
// local gateway's default address unless env says otherwise.
func newApp(ctx context.Context, env environ) (*app.App, error) {
	if env.Getenv("ACTIVATION_BASE_URL") == "" {
		env["ACTIVATION_BASE_URL"] = "http://127.0.0.1:" + env.Or("PORT", "8080")
	}
	clock := &localgw.TestClock{}
	a, err := app.New(ctx, env.Getenv, app.Options{LogOutput: os.Stderr, Clock: clock})
	if err != nil {
		return nil, err
	}
	// The local stack's clock, which `partnerctl clock` moves. A table that
	// is not there yet (before bootstrap) leaves it at the real time.
	_ = clock.Attach(ctx, a.DynamoDB, a.Config.TableName)
	return a, nil
}

// testClock is the clock of an App made by newApp.
func testClock(a *app.App) *localgw.TestClock { return a.Clock.(*localgw.TestClock) }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type keyJSON struct {
	KeyID     string `json:"key_id"`
	TenantID  string `json:"tenant_id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at"`
	RevokedAt string `json:"revoked_at,omitempty"`
	APIKey    string `json:"api_key,omitempty"`
}

func keyOut(k partners.APIKey, secret string) keyJSON {
	out := keyJSON{
		KeyID: k.ID, TenantID: k.TenantID, Name: k.Name, Role: string(k.Role),
		CreatedAt: k.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), APIKey: secret,
	}
	if k.Revoked() {
		out.RevokedAt = k.RevokedAt.Format("2006-01-02T15:04:05Z07:00")
	}
	return out
}

func tenantCmd(ctx context.Context, env environ, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "sync-pools" {
		a, err := newApp(ctx, env)
		if err != nil {
			return err
		}
		synced, err := a.SyncPools(ctx)
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"tenants": synced})
	}
	if len(args) == 0 || args[0] != "create" {
		return usageError{"tenant needs a subcommand: create, sync-pools"}
	}
	fs := flag.NewFlagSet("tenant create", flag.ContinueOnError)
	name := fs.String("name", "", "the tenant's name")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *name == "" {
		return usageError{"tenant create needs --name"}
	}
	a, err := newApp(ctx, env)
	if err != nil {
		return err
	}
	nt, err := a.Tenants.CreateTenant(ctx, *name)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]string{
		"tenant_id": nt.Tenant.ID, "name": nt.Tenant.Name,
		"api_key": nt.Secret, "key_id": nt.Key.ID, "role": string(nt.Key.Role),
		"user_pool_id": nt.Tenant.Pool.ID, "user_pool_client_id": nt.Tenant.Pool.ClientID, "issuer": nt.Tenant.Pool.Issuer,
	})
}

func keyCmd(ctx context.Context, env environ, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"key needs a subcommand: create, list, revoke"}
	}
	fs := flag.NewFlagSet("key "+args[0], flag.ContinueOnError)
	tenant := fs.String("tenant", "", "the tenant id")
	name := fs.String("name", "", "a name for the key")
	role := fs.String("role", "admin", "admin, manager or viewer")
	keyID := fs.String("key-id", "", "the key id")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *tenant == "" {
		return usageError{"key " + args[0] + " needs --tenant"}
	}
	a, err := newApp(ctx, env)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		nk, err := a.Tenants.CreateAPIKey(ctx, *tenant, *name, partners.Role(*role))
		if err != nil {
			return err
		}
		return printJSON(stdout, keyOut(nk.Key, nk.Secret))
	case "list":
		keys, err := a.Tenants.ListAPIKeys(ctx, *tenant)
		if err != nil {
			return err
		}
		out := make([]keyJSON, 0, len(keys))
		for _, k := range keys {
			out = append(out, keyOut(k, ""))
		}
		return printJSON(stdout, out)
	case "revoke":
		if *keyID == "" {
			return usageError{"key revoke needs --key-id"}
		}
		if err := a.Tenants.RevokeAPIKey(ctx, *tenant, *keyID); err != nil {
			return err
		}
		return printJSON(stdout, map[string]string{"key_id": *keyID, "revoked": "true"})
	}
	return usageError{fmt.Sprintf("unknown key subcommand %q", args[0])}
}

// ensureSender registers the sender address with SES (LocalStack and AWS want
// a verified identity). aws-ses-v2-local has no identities and accepts any
// sender: it answers the call as an unknown operation (404).
func ensureSender(ctx context.Context, ses *sesv2.Client, sender string) error {
	_, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(sender)})
	var exists *sesv2types.AlreadyExistsException
	var re *awshttp.ResponseError
	switch {
	case err == nil, errors.As(err, &exists):
		return nil
	case errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound:
		return nil
	}
	return fmt.Errorf("register sender %s with SES: %w", sender, err)
}
