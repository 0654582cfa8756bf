package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/grants"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// dev serves the API locally: the local gateway in front of the same handlers
// the Lambdas run, against whatever AWS endpoints the environment names.
func dev(ctx context.Context, env environ, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "create a demo tenant and print its API key and a curl line")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	addr := "127.0.0.1:" + env.Or("PORT", "8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set PORT to use another port): %w", addr, err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	if env.Getenv("ACTIVATION_BASE_URL") == "" {
		env["ACTIVATION_BASE_URL"] = base // links point at this gateway
	}
	// The gateway plays Lambda's Invoke API (publish-events wakes the
	// webhook sender through it), and webhooks may go to loopback, where a
	// developer's receiver listens: the local stack's only.
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_LAMBDA": base, "WEBHOOK_SENDER_FUNCTION": apigw.DeliverWebhooksFunction, "WEBHOOKS_ALLOW_LOOPBACK": "1"} {
		if env.Getenv(k) == "" {
			env[k] = v
		}
	}
	a, err := newApp(ctx, env)
	if err != nil {
		return err
	}
	gw, err := localgw.New(apigw.Routes, a.Handlers(), a.Log)
	if err != nil {
		return err
	}
	lambdas := a.Handlers()
	lambdas[apigw.IssueTokenClaimsFunction] = localgw.TokenTriggerOfThisStack(a.Store, a.TokenClaims().Handle)
	gw.ServeLambda(lambdas, timeoutOf)
	defer gw.Close()
	// cognito-local's token trigger goes to the stack's relay; the pools of
	// this stack's tenants come here (the relay's fallback).
	if relay := env.Getenv("COGNITO_TRIGGER_RELAY_URL"); relay != "" {
		if err := localgw.SetTriggerFallback(ctx, relay, base); err != nil {
			fmt.Fprintf(stderr, "partnerctl dev: sign-ins get no claims: %v\n", err)
		} else {
			defer func() { _ = localgw.SetTriggerFallback(context.WithoutCancel(ctx), relay, "") }()
		}
	}
	// One stream reader per consumer, as Lambda runs one event source
	// mapping per function.
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	for _, fn := range []string{apigw.SendInvitationEmailFunction, apigw.ProcessImportFunction, apigw.PublishEventsFunction} {
		poller := &localgw.StreamPoller{
			DB: a.DynamoDB, Streams: dynamodbstreams.NewFromConfig(a.AWS), Table: a.Config.TableName, Region: a.AWS.Region,
			Handler: a.Handlers()[fn], Function: fn, Timeout: timeoutOf(fn), Log: a.Log,
		}
		go func() {
			if err := poller.Run(pollCtx); err != nil {
				fmt.Fprintf(stderr, "partnerctl dev: stream reader of %s stopped: %v\n", fn, err)
			}
		}()
	}
	// The test clock follows `partnerctl clock`, and the scheduler runs
	// expire-invitations on it, as EventBridge Scheduler does every 15
	// minutes in AWS.
	go testClock(a).Follow(pollCtx, time.Second)
	expire := lambda.NewHandler(a.Handlers()[apigw.ExpireInvitationsFunction])
	scheduler := &localgw.Scheduler{Clock: a.Clock, Every: apigw.ExpirySchedule, Run: func(ctx context.Context) {
		if _, err := expire.Invoke(ctx, []byte("{}")); err != nil {
			fmt.Fprintf(stderr, "partnerctl dev: expire-invitations: %v\n", err)
		}
	}}
	go scheduler.Loop(pollCtx)
	// The webhook sender's schedule: every minute when deployed, every ten
	// seconds here.
	sender := &localgw.Every{
		Function: apigw.DeliverWebhooksFunction, Handler: a.Handlers()[apigw.DeliverWebhooksFunction], Event: map[string]any{},
		Interval: 10 * time.Second, Timeout: timeoutOf(apigw.DeliverWebhooksFunction), Log: a.Log,
	}
	go func() {
		if err := sender.Run(pollCtx); err != nil {
			fmt.Fprintf(stderr, "partnerctl dev: schedule of %s stopped: %v\n", apigw.DeliverWebhooksFunction, err)
		}
	}()
	if *demo {
		nt, err := a.Tenants.CreateTenant(ctx, "Demo SaaS")
		if err != nil {
			return err
		}
		pctx := partners.WithPrincipal(ctx, partners.Principal{TenantID: nt.Tenant.ID, KeyID: nt.Key.ID, Role: nt.Key.Role})
		demoPartner, err := a.Service.CreatePartner(pctx, partners.PartnerInput{Name: "Demo Partner", Country: "GB"})
		if err != nil {
			return err
		}
		printDemo(stdout, base, nt.Tenant.ID, nt.Secret, demoPartner.Partner.ID, env.Getenv("SES_EMULATOR_URL"), nt.Tenant.Pool.ID)
	} else {
		fmt.Fprintf(stdout, "Partner Invites API on %s\n", base)
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		fmt.Fprintln(stderr, "partnerctl dev: stopping")
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func printDemo(w io.Writer, base, tenantID, key, partnerID, mailURL, poolID string) {
	fmt.Fprintf(w, `
Partner Invites is serving on %[1]s (local gateway; DynamoDB, Cognito and SES emulators)

Demo tenant: %[2]s
API key:     %[3]s
Login pool:  %[6]s (the tenant's own Cognito user pool; GET /v1/identity)

Create a partner:

  curl -s -X POST %[1]s/v1/partners \
    -H 'Authorization: Bearer %[3]s' \
    -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: demo-1' \
    -d '{"name":"Acme Resellers","status":"active","programs":["reseller"],"country":"DE","city":"Berlin","primary_contact":{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.example","phone":"+49 30 901820"}}'

List partners:

  curl -s %[1]s/v1/partners -H 'Authorization: Bearer %[3]s'

Invite someone to the demo partner (%[4]s):

  curl -s -X POST %[1]s/v1/partners/%[4]s/users \
    -H 'Authorization: Bearer %[3]s' \
    -H 'Content-Type: application/json' \
    -d '{"email":"grace@partner.example","first_name":"Grace","role":"member"}'

The invitation email lands in the SES emulator: open %[5]s in a browser
(or curl %[5]s/store). What happened is in GET %[1]s/v1/events.

Test clock (this local stack only): bin/partnerctl clock advance 49h moves
the stack's time for every handler, stream reader and the expiry schedule
(every 15 minutes of that clock), so the invitation above expires now;
bin/partnerctl clock reset puts it back.

Press Ctrl-C to stop.
`, base, tenantID, key, partnerID, mailURL, poolID)
}

// invoke runs one function on an event file, as the Lambda runtime would, and
// prints the function's response.
func invoke(ctx context.Context, env environ, args []string, stdout io.Writer) error {
	if len(args) != 1 && len(args) != 2 {
		return usageError{"invoke needs FUNCTION [EVENT.json]"}
	}
	function, file := args[0], ""
	payload := []byte("{}") // a scheduled function's event: its payload is ignored
	if len(args) == 2 {
		file = args[1]
		var err error
		if payload, err = os.ReadFile(file); err != nil {
			return err
		}
	}
	if !json.Valid(payload) {
		return fmt.Errorf("%s is not JSON", file)
	}
	a, err := newApp(ctx, env)
	if err != nil {
		return err
	}
	h, ok := a.Handlers()[function]
	if !ok {
		return usageError{fmt.Sprintf("no function %q; functions: %v", function, apigw.Functions())}
	}
	out, err := lambda.NewHandler(h).Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("%s: %w", function, err)
	}
	var pretty any
	if json.Unmarshal(out, &pretty) == nil {
		return printJSON(stdout, pretty)
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}

// timeoutOf is a function's Lambda timeout, which the local stream
// reader gives each invocation.
func timeoutOf(function string) time.Duration {
	n, _ := grants.Of(function)
	return n.Timeout()
}
