// Command partnerctl is the operator's and developer's tool for Partner
// Invites: it bootstraps a stack's resources, administers tenants and API
// keys, serves the API locally through the local gateway, and invokes one
// function on a sample event.
//
//	partnerctl bootstrap
//	partnerctl tenant create --name NAME
//	partnerctl key create --tenant ID --name NAME --role admin|manager|viewer
//	partnerctl key list --tenant ID
//	partnerctl key revoke --tenant ID --key-id ID
//	partnerctl dev [--demo]
//	partnerctl invoke FUNCTION [EVENT.json]
//	partnerctl clock [advance DURATION | reset]
//
// It reads the AWS endpoints and the stack's settings from the environment;
// variables not set there are read from local/.endpoints.env and
// local/.stack.env (written by local/stack.sh and bootstrap), found from the
// current directory upwards.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  partnerctl bootstrap                      create the table, user pool and settings (idempotent)
  partnerctl tenant create --name NAME      create a tenant; prints {tenant_id, api_key, ...}
  partnerctl tenant sync-pools              give tenants made before the token trigger their pool
                                            entry, and their pool the trigger (TOKEN_TRIGGER_ARN)
  partnerctl key create --tenant ID --name NAME [--role admin|manager|viewer]
  partnerctl key list --tenant ID
  partnerctl key revoke --tenant ID --key-id ID
  partnerctl dev [--demo]                   serve the API on 127.0.0.1:$PORT (8080)
  partnerctl invoke FUNCTION [EVENT.json]   run one function on a sample event ({} if none: the schedule's)
  partnerctl clock                          the local stack's test clock: its time and offset
  partnerctl clock advance DURATION         move it forward (49h, 30m): every handler, stream reader and
                                            the scheduler of partnerctl dev follow within a second
  partnerctl clock reset                    back to the real time
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "partnerctl: %s\n\n%s", ue.msg, usage)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "partnerctl: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command"}
	}
	env := loadEnvFiles()
	switch cmd, rest := args[0], args[1:]; cmd {
	case "bootstrap":
		return bootstrap(ctx, env, rest, stdout)
	case "tenant":
		return tenantCmd(ctx, env, rest, stdout)
	case "key":
		return keyCmd(ctx, env, rest, stdout)
	case "dev":
		return dev(ctx, env, rest, stdout, stderr)
	case "invoke":
		return invoke(ctx, env, rest, stdout)
	case "clock":
		return clockCmd(ctx, env, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
