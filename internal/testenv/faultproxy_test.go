package testenv_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// The proxy's faults reach the SDK as the service's own would: a transient
// one is retried by the SDK's standard retryer and the call succeeds; a
// lasting one surfaces, after the retryer's attempts (4 for DynamoDB, 3 for the others), with the error code
// the product's code matches on (or as a connection error).
func TestFaultProxyFaultsAreClassifiedByTheSDK(t *testing.T) {
	stack := testenv.NewFaultyStack(t)
	cfg := testenv.AWS(t)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint, o.DisableValidateResponseChecksum = aws.String(stack.DynamoDB.URL), true
	})
	table := testenv.NewTable(t, testenv.DynamoDB(t))
	cognito := cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(stack.Cognito.URL) })
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(stack.SES.URL) })

	type service struct {
		name  string
		proxy *testenv.FaultProxy
		op    string
		call  func(ctx context.Context) error
		// throttle is the code of the service's throttling error.
		throttle string
		// attempts is the SDK's default for the service: DynamoDB's client
		// makes 4 (25 ms base delay), the others the standard 3.
		attempts int
	}
	services := []service{
		{"DynamoDB", stack.DynamoDB, "PutItem", func(ctx context.Context) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "FAULT"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "PROXY"},
			}})
			return err
		}, "ProvisionedThroughputExceededException", 4},
		{"Cognito", stack.Cognito, "ListUserPools", func(ctx context.Context) error {
			_, err := cognito.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
			return err
		}, "TooManyRequestsException", retry.DefaultMaxAttempts},
		{"SES", stack.SES, "POST /v2/email/outbound-emails", func(ctx context.Context) error {
			_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
				FromEmailAddress: aws.String("invites@partner-invites.example"),
				Destination:      &sestypes.Destination{ToAddresses: []string{"proxy-" + time.Now().Format("150405.000000") + "@example.com"}},
				Content: &sestypes.EmailContent{Simple: &sestypes.Message{
					Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}},
				}},
			})
			return err
		}, "TooManyRequestsException", retry.DefaultMaxAttempts},
	}
	faults := []struct {
		kind testenv.FaultKind
		// code is the error code of a lasting fault ("" for a connection
		// error); throttle means the service's throttling code.
		code     string
		throttle bool
	}{
		{testenv.Throttle, "", true},
		{testenv.ServerError, "", false},
		{testenv.Unavailable, "ServiceUnavailable", false},
		{testenv.ResetBefore, "", false},
	}
	ctx := context.Background()
	for _, s := range services {
		for _, f := range faults {
			t.Run(s.name+"/"+f.kind.String(), func(t *testing.T) {
				before := s.proxy.Calls(s.op)
				rule := s.proxy.Add(testenv.FaultRule{Op: s.op, Kind: f.kind, Times: 1})
				if err := s.call(ctx); err != nil {
					t.Fatalf("one fault, then the service: %v", err)
				}
				if got := s.proxy.Calls(s.op) - before; got != 2 || s.proxy.Hits(rule) != 1 {
					t.Errorf("%d requests for one fault, want 2 (the SDK retried once)", got)
				}

				before = s.proxy.Calls(s.op)
				rule = s.proxy.Add(testenv.FaultRule{Op: s.op, Kind: f.kind})
				err := s.call(ctx)
				s.proxy.Stop(rule)
				if got := s.proxy.Calls(s.op) - before; got != s.attempts {
					t.Errorf("%d requests for a lasting fault, want the retryer's %d", got, s.attempts)
				}
				var api smithy.APIError
				switch {
				case f.kind == testenv.ResetBefore:
					if err == nil || !(retry.RetryableConnectionError{}).IsErrorRetryable(err).Bool() {
						t.Errorf("a reset surfaced as %v, want a retryable connection error", err)
					}
				case !errors.As(err, &api):
					t.Errorf("a lasting fault surfaced as %v, want an API error", err)
				case f.throttle && api.ErrorCode() != s.throttle:
					t.Errorf("throttling surfaced as %q, want %q", api.ErrorCode(), s.throttle)
				case f.code != "" && api.ErrorCode() != f.code:
					t.Errorf("the fault surfaced as %q, want %q", api.ErrorCode(), f.code)
				case f.kind == testenv.ServerError && !strings.Contains(api.ErrorCode(), "Internal"):
					t.Errorf("a 500 surfaced as %q", api.ErrorCode())
				}
			})
		}
	}
}

// A reset after the service did the work makes the SDK do it again: what
// the product's writes must survive (a conditional write meets its own
// first attempt), and why an email can be sent twice by SES itself.
func TestFaultProxyResetAfterRepeatsTheRequest(t *testing.T) {
	stack := testenv.NewFaultyStack(t)
	cfg := testenv.AWS(t)
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(stack.SES.URL) })
	to := "reset-after-" + time.Now().Format("150405.000000") + "@example.com"
	stack.SES.Add(testenv.FaultRule{Op: "POST /v2/email/outbound-emails", Kind: testenv.ResetAfter, Times: 1})
	_, err := ses.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("invites@partner-invites.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{to}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(testenv.Sent(t, to)); n != 2 {
		t.Errorf("%d emails after a reset after the send, want 2 (the SDK sent it again)", n)
	}
}
