package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/grants"
)

var (
	once     sync.Once
	template assertions.Template
	stack    *Stack
)

// synth builds the stack once (a synth costs seconds) with a placeholder
// bootstrap per function.
func synth(t *testing.T) (assertions.Template, *Stack) {
	t.Helper()
	once.Do(func() {
		dir, err := os.MkdirTemp("", "assets")
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range apigw.Functions() {
			os.MkdirAll(filepath.Join(dir, fn), 0o755)
			os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("placeholder"), 0o755)
		}
		app := awscdk.NewApp(nil)
		stack = NewStack(app, "Test", &StackProps{Stage: "test", SenderEmail: "invites@acme.example", AssetDir: dir})
		template = assertions.Template_FromStack(stack.Stack, nil)
	})
	return template, stack
}

func resources(t *testing.T, typ string) map[string]map[string]any {
	t.Helper()
	tmpl, _ := synth(t)
	out := map[string]map[string]any{}
	for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

func TestTable(t *testing.T) {
	// GIVEN the stack WHEN synthesized THEN the table has the store's keys,
	// indexes, TTL, stream, PITR, deletion protection, and is retained.
	tmpl, _ := synth(t)
	tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"KeySchema":                        []any{map[string]any{"AttributeName": "PK", "KeyType": "HASH"}, map[string]any{"AttributeName": "SK", "KeyType": "RANGE"}},
			"BillingMode":                      "PAY_PER_REQUEST",
			"StreamSpecification":              map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"DeletionProtectionEnabled":        true,
			"GlobalSecondaryIndexes": []any{
				map[string]any{"IndexName": "GSI1", "KeySchema": []any{map[string]any{"AttributeName": "GSI1PK", "KeyType": "HASH"}, map[string]any{"AttributeName": "GSI1SK", "KeyType": "RANGE"}}, "Projection": map[string]any{"ProjectionType": "ALL"}},
				map[string]any{"IndexName": "GSI2", "KeySchema": []any{map[string]any{"AttributeName": "GSI2PK", "KeyType": "HASH"}, map[string]any{"AttributeName": "GSI2SK", "KeyType": "RANGE"}}, "Projection": map[string]any{"ProjectionType": "ALL"}},
			},
		},
	})
}

var logicalIDRE = regexp.MustCompile(`^[A-Za-z0-9]+[0-9A-F]{8}$`)

func TestEveryFunctionIsArm64OnAL2023WithItsEnvironment(t *testing.T) {
	fns := resources(t, "AWS::Lambda::Function")
	if len(fns) != len(apigw.Functions()) {
		t.Errorf("%d functions, want %d", len(fns), len(apigw.Functions()))
	}
	for _, name := range apigw.Functions() {
		id := logicalName(name)
		var props map[string]any
		for rid, r := range fns {
			// The logical id is the name and CDK's 8-digit hash: a prefix
			// alone would take update-partner-user for update-partner.
			if logicalIDRE.MatchString(rid) && rid[:len(rid)-8] == id {
				props = r["Properties"].(map[string]any)
			}
		}
		if props == nil {
			t.Errorf("no function %s", name)
			continue
		}
		if props["Runtime"] != "provided.al2023" || props["Handler"] != "bootstrap" || !cmp.Equal(props["Architectures"], []any{"arm64"}) {
			t.Errorf("%s: runtime %v, handler %v, architectures %v", name, props["Runtime"], props["Handler"], props["Architectures"])
		}
		var got []string
		if env, ok := props["Environment"].(map[string]any); ok {
			for k := range env["Variables"].(map[string]any) {
				got = append(got, k)
			}
		}
		g, _ := grants.Of(name)
		want := append([]string{}, g.Env...)
		sort.Strings(got)
		sort.Strings(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s environment (-want +got):\n%s", name, diff)
		}
		if props["LoggingConfig"] == nil {
			t.Errorf("%s has no log group", name)
		}
	}
	for _, lg := range resources(t, "AWS::Logs::LogGroup") {
		if lg["Properties"].(map[string]any)["RetentionInDays"] == nil {
			t.Error("a log group without retention")
		}
	}
}

func TestEveryRouteHasItsAuthorizer(t *testing.T) {
	routes := map[string]map[string]any{}
	for _, r := range resources(t, "AWS::ApiGatewayV2::Route") {
		p := r["Properties"].(map[string]any)
		routes[p["RouteKey"].(string)] = p
	}
	for _, r := range apigw.Routes {
		p, ok := routes[r.Key()]
		if !ok {
			t.Errorf("no route %s", r.Key())
			continue
		}
		want := "CUSTOM"
		if r.Auth != apigw.AuthAPIKey {
			want = "NONE" // public, or a partner's ID token the handler verifies
		}
		if p["AuthorizationType"] != want {
			t.Errorf("%s: authorization %v, want %s", r.Key(), p["AuthorizationType"], want)
		}
	}
	if len(routes) != len(apigw.Routes) {
		t.Errorf("%d routes, want %d", len(routes), len(apigw.Routes))
	}
	tmpl, _ := synth(t)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{
		"AuthorizerType": "REQUEST", "EnableSimpleResponses": true, "AuthorizerPayloadFormatVersion": "2.0",
		"IdentitySource": []any{"$request.header.Authorization"}, "AuthorizerResultTtlInSeconds": 60,
	})
}

// wantActions is each function's policy, written out independently of the
// needs table the stack is built from, so that a change to either is seen.
// streamReader is what the CDK grants a stream consumer, unnamed: reading
// the table's stream and sending what it gives up on to its queue.
var streamReader = []string{
	"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
	"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage",
}

// Every API-key route's function also counts its tenant's requests
// (dynamodb:UpdateItem).
var wantActions = map[string]map[string][]string{
	"authorizer":             {"Table": {"dynamodb:GetItem"}},
	"send-invitation-email":  {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}, "Mail": {"ses:SendEmail"}, "": streamReader},
	"process-import":         {"Table": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}, "": streamReader},
	"create-partner":         {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"list-partners":          {"Table": {"dynamodb:Query", "dynamodb:UpdateItem"}},
	"get-partner":            {"Table": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"update-partner":         {"Table": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"set-partner-grants":     {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"invite-partner-user":    {"Table": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"list-partner-users":     {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"invite-partner-users":   {"Table": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"import-invitations":     {"Table": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"get-import":             {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"get-invitations-sample": {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"list-invitations":       {"Table": {"dynamodb:Query", "dynamodb:UpdateItem"}},
	"get-invitation":         {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"resend-invitation":      {"Table": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"revoke-invitation":      {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"get-settings":           {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"update-settings":        {"Table": {"dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"activation-page":        {"Table": {"dynamodb:GetItem"}, "UserPools": {"cognito-idp:AdminGetUser"}},
	"accept-activation": {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminCreateUser", "cognito-idp:AdminEnableUser", "cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUpdateUserAttributes"}},
	"renew-activation": {"Table": {"dynamodb:GetItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"create-activation": {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminCreateUser", "cognito-idp:AdminEnableUser", "cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUpdateUserAttributes"}},
	"list-memberships":        {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"get-identity":            {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"create-webhook-endpoint": {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"list-webhook-endpoints":  {"Table": {"dynamodb:Query", "dynamodb:UpdateItem"}},
	"get-webhook-endpoint":    {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"update-webhook-endpoint": {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"delete-webhook-endpoint": {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"rotate-webhook-secret":   {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"list-webhook-deliveries": {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"retry-webhook-delivery": {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"WakeSender": {"lambda:InvokeFunction"}},
	"deliver-webhooks":   {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"list-events":        {"Table": {"dynamodb:Query", "dynamodb:UpdateItem"}},
	"decline-activation": {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	// The partner form after activation: the password check (and its guard), and the tenant's decision.
	"partner-form": {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "UserPools": {"cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth"}},
	// Portal access: the user with its membership in one transaction, then the login.
	"update-partner-user": {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser", "cognito-idp:AdminUserGlobalSignOut"}},
	"remove-partner-user": {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser", "cognito-idp:AdminUserGlobalSignOut"}},
	"move-partner-user": {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminUserGlobalSignOut"}},
	"review-partner":  {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	"forgot-password": {"Table": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
	"reset-password": {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"},
		"UserPools": {"cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUserGlobalSignOut"}},
	// The schedule's function, and the event publisher (the bus, the webhooks' deliveries and their sender's wake).
	"expire-invitations": {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"publish-events":     {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems"}, "EventBus": {"events:PutEvents"}, "WakeSender": {"lambda:InvokeFunction"}, "": streamReader},
	// SES's events; "": Lambda's on-failure destination (its failures queue).
	"partner-list-users":        {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"partner-get":               {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"partner-submit-answers":    {"Table": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"partner-invite-user":       {"Table": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"partner-list-invitations":  {"Table": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"partner-resend-invitation": {"Table": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}},
	"partner-revoke-invitation": {"Table": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	"issue-token-claims":        {"Table": {"dynamodb:GetItem", "dynamodb:Query"}},
	"record-email-event":        {"Table": {"dynamodb:GetItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"}, "": {"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}},
}

func TestPoliciesNameOnlyTheActionsEachFunctionUses(t *testing.T) {
	if len(wantActions) != len(apigw.Functions()) {
		t.Errorf("wantActions lists %d functions, the route table %d", len(wantActions), len(apigw.Functions()))
	}
	policies := resources(t, "AWS::IAM::Policy")
	for _, name := range apigw.Functions() {
		prefix := logicalName(name) + "ServiceRoleDefaultPolicy"
		var statements []any
		for id, p := range policies {
			if strings.HasPrefix(id, prefix) {
				statements = p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
			}
		}
		byID := map[string][]string{}
		for _, st := range statements {
			s := st.(map[string]any)
			var actions []string
			switch a := s["Action"].(type) {
			case string:
				actions = []string{a}
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %s", name, a)
				}
			}
			sid, _ := s["Sid"].(string)
			byID[sid] = append(byID[sid], actions...)
		}
		for sid := range byID {
			sort.Strings(byID[sid])
		}
		if diff := cmp.Diff(wantActions[name], byID); diff != "" {
			t.Errorf("%s policy (-want +got):\n%s", name, diff)
		}
	}
	for id, r := range resources(t, "AWS::IAM::Role") {
		if arns, ok := r["Properties"].(map[string]any)["ManagedPolicyArns"]; ok {
			for _, arn := range arns.([]any) {
				if s, ok := arn.(map[string]any); ok && strings.Contains(strings.Join(flatten(s), ""), "FullAccess") {
					t.Errorf("%s has a full-access managed policy", id)
				}
			}
		}
	}
}

func flatten(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}

func TestStreamConsumersReportFailuresAndKeepWhatTheyGiveUpOn(t *testing.T) {
	esms := resources(t, "AWS::Lambda::EventSourceMapping")
	if len(esms) != 3 {
		t.Fatalf("%d event source mappings, want 3 (email sender, import worker, event publisher)", len(esms))
	}
	for id, r := range esms {
		p := r["Properties"].(map[string]any)
		if !cmp.Equal(p["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}) || p["BisectBatchOnFunctionError"] != true ||
			p["DestinationConfig"] == nil || p["FilterCriteria"] == nil || p["StartingPosition"] != "TRIM_HORIZON" {
			t.Errorf("%s: %v", id, p)
		}
	}
	if n := len(resources(t, "AWS::CloudWatch::Alarm")); n < 2 {
		t.Errorf("%d alarms, want one per failure queue at least", n)
	}
}

// Each consumer's event source mapping carries the store's filters for it,
// as Lambda stores them (a pattern is JSON text, its keys sorted).
func TestStreamConsumersFilterWhatTheStoreQueues(t *testing.T) {
	esms := resources(t, "AWS::Lambda::EventSourceMapping")
	for fn, filters := range map[string][]dynamostore.StreamFilter{
		apigw.SendInvitationEmailFunction: dynamostore.EmailFilters(),
		apigw.ProcessImportFunction:       dynamostore.QueuedChunkFilters(),
		apigw.PublishEventsFunction:       dynamostore.ChangeFilters(),
	} {
		var want []any
		for _, f := range filters {
			b, err := json.Marshal(f.Pattern())
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, map[string]any{"Pattern": string(b)})
		}
		found := 0
		for id, r := range esms {
			if !strings.HasPrefix(id, logicalName(fn)+"DynamoDBEventSource") {
				continue
			}
			found++
			got := r["Properties"].(map[string]any)["FilterCriteria"].(map[string]any)["Filters"]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: filters (-want +got):\n%s", id, diff)
			}
		}
		if found != 1 {
			t.Errorf("%s: %d event source mappings, want 1", fn, found)
		}
	}
}

// Every tenant has its own pool, made with the tenant: the stack makes none,
// and the functions that reach pools may reach those of this account and
// region only.
func TestNoSharedUserPoolAndGrantsOnThisAccountsPools(t *testing.T) {
	tmpl, _ := synth(t)
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(0))
	want := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cognito-idp:", map[string]any{"Ref": "AWS::Region"}, ":",
		map[string]any{"Ref": "AWS::AccountId"}, ":userpool/*",
	}}}
	found := 0
	for id, p := range resources(t, "AWS::IAM::Policy") {
		for _, st := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			if s["Sid"] != "UserPools" {
				continue
			}
			found++
			if diff := cmp.Diff(want, s["Resource"]); diff != "" {
				t.Errorf("%s: UserPools resource (-want +got):\n%s", id, diff)
			}
		}
	}
	if found != 8 {
		t.Errorf("%d policies reach user pools, want 8 (activation page, both accepts, the partner form's sign-in, password reset, portal access, removal, moves)", found)
	}
	for name, fn := range resources(t, "AWS::Lambda::Function") {
		vars, _ := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
		for v := range vars {
			if strings.HasPrefix(v, "USER_POOL") {
				t.Errorf("%s still gets %s", name, v)
			}
		}
	}
}

func TestMail(t *testing.T) {
	tmpl, _ := synth(t)
	tmpl.ResourceCountIs(jsii.String("AWS::SES::ConfigurationSet"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::SES::EmailIdentity"), map[string]any{"EmailIdentity": "invites@acme.example"})
}

func TestStageIsThrottledAndLogsNoPaths(t *testing.T) {
	stages := resources(t, "AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("%d stages, want 1", len(stages))
	}
	for _, r := range stages {
		p := r["Properties"].(map[string]any)
		if p["StageName"] != "$default" || p["AutoDeploy"] != true {
			t.Errorf("stage %v", p)
		}
		throttle := p["DefaultRouteSettings"].(map[string]any)
		if throttle["ThrottlingRateLimit"] != float64(100) || throttle["ThrottlingBurstLimit"] != float64(200) {
			t.Errorf("throttling %v", throttle)
		}
		format := p["AccessLogSettings"].(map[string]any)["Format"].(string)
		if strings.Contains(format, "$context.path") || !strings.Contains(format, "$context.routeKey") {
			t.Errorf("access log format %s", format)
		}
	}
}

func TestAlarms(t *testing.T) {
	var errors, throttles, ses int
	for _, r := range resources(t, "AWS::CloudWatch::Alarm") {
		desc, _ := r["Properties"].(map[string]any)["AlarmDescription"].(string)
		switch {
		case strings.HasPrefix(desc, "Function Errors"):
			errors++
		case strings.HasPrefix(desc, "Function Throttles"):
			throttles++
		case strings.HasPrefix(desc, "SES bounce rate"):
			ses++
		}
	}
	groups := (len(apigw.Functions()) + 9) / 10
	if errors != groups || throttles != groups || ses != 1 {
		t.Errorf("alarms: %d errors, %d throttles, %d SES; want %d, %d, 1", errors, throttles, ses, groups, groups)
	}
	// Emails whose retry window passed are counted from the sender's log
	// lines (TestOneTenantsMailStallsNoOther checks the line is written).
	tmpl, _ := synth(t)
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
		"FilterPattern": `{ $.msg = "delivery: failed" && $.reason = "expired_in_queue" }`,
		"MetricTransformations": []any{map[string]any{
			"MetricNamespace": "PartnerInvites", "MetricName": "DeliveriesExpiredInQueue", "MetricValue": "1", "DefaultValue": 0,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "DeliveriesExpiredInQueue", "Namespace": "PartnerInvites", "Threshold": 1,
	})
}

// Only the functions that seal, open or sign get the product's secret; the
// list is written out here again, so that a change to either is seen.
func TestOnlyTheFunctionsThatSealGetTheSecret(t *testing.T) {
	want := []string{
		"accept-activation", "activation-page", "create-partner", "create-webhook-endpoint", "decline-activation", "deliver-webhooks", "get-import", "import-invitations",
		"invite-partner-user", "invite-partner-users", "list-events", "list-invitations", "list-partner-users", "list-partners", "list-webhook-deliveries",
		"move-partner-user", "partner-form", "partner-invite-user", "partner-list-invitations", "partner-list-users", "partner-resend-invitation", "partner-revoke-invitation", "process-import", "renew-activation", "resend-invitation", "reset-password", "review-partner", "revoke-invitation", "rotate-webhook-secret", "send-invitation-email", "update-partner",
	}
	var got []string
	for id, fn := range resources(t, "AWS::Lambda::Function") {
		vars, _ := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
		if _, ok := vars["SECRET_KEY"]; ok {
			for _, name := range apigw.Functions() {
				if strings.HasPrefix(id, logicalName(name)) && len(id) <= len(logicalName(name))+8 {
					got = append(got, name)
				}
			}
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("functions with SECRET_KEY (-want +got):\n%s", diff)
	}
}

// The expiry schedule runs expire-invitations every 15 minutes through
// EventBridge Scheduler, whose role may invoke that function alone; a
// failed run alarms.
func TestExpiryScheduleAndTheBus(t *testing.T) {
	tmpl, stack := synth(t)
	tmpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), map[string]any{
		"ScheduleExpression": "rate(15 minutes)",
		"State":              "ENABLED",
		"Target": map[string]any{
			"Arn":         assertions.Match_AnyValue(),
			"RetryPolicy": map[string]any{"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600},
		},
	})
	expiry := 0
	for _, sch := range resources(t, "AWS::Scheduler::Schedule") {
		props := sch["Properties"].(map[string]any)
		if props["ScheduleExpression"] != "rate(15 minutes)" {
			continue
		}
		expiry++
		arn := flatten(props["Target"].(map[string]any)["Arn"])
		if !strings.HasPrefix(strings.Join(arn, " "), logicalName(apigw.ExpireInvitationsFunction)) {
			t.Errorf("the expiry schedule targets %v, want %s", arn, apigw.ExpireInvitationsFunction)
		}
	}
	if expiry != 1 {
		t.Errorf("%d expiry schedules, want 1", expiry)
	}
	// Only the scheduler's role may invoke expire-invitations: no
	// function's role.
	found := false
	for id, p := range resources(t, "AWS::IAM::Policy") {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			s := st.(map[string]any)
			res := strings.Join(flatten(s["Resource"]), " ")
			if s["Action"] != "lambda:InvokeFunction" || !strings.Contains(res, logicalName(apigw.ExpireInvitationsFunction)) {
				continue
			}
			found = true
			for _, fn := range apigw.Functions() {
				if strings.HasPrefix(id, logicalName(fn)+"ServiceRole") {
					t.Errorf("%s may invoke expire-invitations", fn)
				}
			}
		}
	}
	if !found {
		t.Error("no role may invoke expire-invitations")
	}
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1, "EvaluationPeriods": 2,
	})
	// The bus, named for the stage, is the publisher's EVENT_BUS_NAME.
	tmpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), map[string]any{"Name": "partner-invites-test"})
	if stack.Bus == nil {
		t.Error("the stack has no bus")
	}
}

// The sender runs every minute through a role that may invoke it and
// nothing else; only the functions that wake it may invoke it, and none
// other; no function gets the local stack's loopback switch; failed
// deliveries raise an alarm.
func TestWebhookSender(t *testing.T) {
	tmpl, _ := synth(t)
	senderID := logicalName(apigw.DeliverWebhooksFunction)
	senderArn := map[string]any{"Fn::GetAtt": []any{findID(t, "AWS::Lambda::Function", senderID), "Arn"}}
	tmpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), map[string]any{
		"ScheduleExpression": "rate(1 minute)", "State": assertions.Match_Absent(),
		"Target": map[string]any{"Arn": senderArn, "Input": "{}"},
	})
	var scheduleRole map[string]any
	for id, r := range resources(t, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, "WebhookScheduleRole") {
			scheduleRole = r
		}
	}
	if scheduleRole == nil {
		t.Fatal("no policy of the schedule's role")
	}
	statements := scheduleRole["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
	if want := []any{map[string]any{"Sid": "RunSender", "Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": senderArn}}; !cmp.Equal(want, statements) {
		t.Errorf("schedule role: %v", statements)
	}
	var wakers []string
	for id, p := range resources(t, "AWS::IAM::Policy") {
		for _, st := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			if s["Sid"] == "WakeSender" {
				if !cmp.Equal(s["Resource"], senderArn) {
					t.Errorf("%s may wake %v", id, s["Resource"])
				}
				wakers = append(wakers, strings.TrimSuffix(id[:strings.Index(id, "ServiceRole")], ""))
			}
		}
	}
	sort.Strings(wakers)
	if want := []string{"PublishEvents", "RetryWebhookDelivery"}; !cmp.Equal(want, wakers) {
		t.Errorf("functions that may wake the sender: %v, want %v", wakers, want)
	}
	for id, fn := range resources(t, "AWS::Lambda::Function") {
		vars, _ := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
		if _, ok := vars["WEBHOOKS_ALLOW_LOOPBACK"]; ok {
			t.Errorf("%s may send webhooks to loopback", id)
		}
		if v, ok := vars["WEBHOOK_SENDER_FUNCTION"]; ok && !cmp.Equal(v, map[string]any{"Ref": findID(t, "AWS::Lambda::Function", senderID)}) {
			t.Errorf("%s wakes %v", id, v)
		}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
		"FilterPattern": `{ $.msg = "webhooks: delivery failed" }`,
		"MetricTransformations": []any{map[string]any{
			"MetricNamespace": "PartnerInvites", "MetricName": "WebhookDeliveriesFailed", "MetricValue": "1", "DefaultValue": 0,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "WebhookDeliveriesFailed", "Namespace": "PartnerInvites",
	})
}

// findID is the logical id of the one resource of a type whose id starts
// with prefix and is the construct's own (not its log group or role).
func findID(t *testing.T, typ, prefix string) string {
	t.Helper()
	for id := range resources(t, typ) {
		if strings.HasPrefix(id, prefix) && len(id) <= len(prefix)+8 {
			return id
		}
	}
	t.Fatalf("no %s %s", typ, prefix)
	return ""
}

// The configuration set publishes delivery, bounce, complaint and reject
// to the default bus; one rule there, matching SES's events of this
// configuration set only, invokes record-email-event with retries and a
// dead-letter queue; only that rule may invoke the function; the queue
// takes messages from that rule and the function only, and an alarm
// watches it.
func TestEmailEvents(t *testing.T) {
	tmpl, _ := synth(t)
	fnID := findID(t, "AWS::Lambda::Function", logicalName(apigw.RecordEmailEventFunction))
	fnArn := map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}
	queueID := findID(t, "AWS::SQS::Queue", "RecordEmailEventFailures")
	queueArn := map[string]any{"Fn::GetAtt": []any{queueID, "Arn"}}
	setRef := map[string]any{"Ref": findID(t, "AWS::SES::ConfigurationSet", "Mail")}

	dests := resources(t, "AWS::SES::ConfigurationSetEventDestination")
	if len(dests) != 1 {
		t.Fatalf("%d event destinations, want 1", len(dests))
	}
	for _, d := range dests {
		p := d["Properties"].(map[string]any)
		ed := p["EventDestination"].(map[string]any)
		types := flatten(ed["MatchingEventTypes"])
		sort.Strings(types)
		bus := strings.Join(flatten(ed["EventBridgeDestination"]), "")
		if !cmp.Equal(p["ConfigurationSetName"], setRef) || ed["Enabled"] != true ||
			!cmp.Equal(types, []string{"bounce", "complaint", "delivery", "reject"}) || !strings.HasSuffix(bus, ":event-bus/default") {
			t.Errorf("event destination %v", p)
		}
	}

	rules := resources(t, "AWS::Events::Rule")
	var rule map[string]any
	ruleID := ""
	for id, r := range rules {
		if strings.HasPrefix(id, "EmailEventsRule") {
			rule, ruleID = r["Properties"].(map[string]any), id
		}
	}
	if rule == nil {
		t.Fatal("no rule for SES's events")
	}
	if bus, ok := rule["EventBusName"]; ok && bus != "default" {
		t.Errorf("the rule is on bus %v, want the default bus", bus)
	}
	wantPattern := map[string]any{
		"source":      []any{"aws.ses"},
		"detail-type": []any{"Email Delivered", "Email Bounced", "Email Complaint Received", "Email Rejected"},
		"detail":      map[string]any{"mail": map[string]any{"tags": map[string]any{"ses:configuration-set": []any{setRef}}}},
	}
	if diff := cmp.Diff(wantPattern, rule["EventPattern"]); diff != "" {
		t.Errorf("event pattern (-want +got):\n%s", diff)
	}
	targets := rule["Targets"].([]any)
	if len(targets) != 1 {
		t.Fatalf("targets %v", targets)
	}
	target := targets[0].(map[string]any)
	if !cmp.Equal(target["Arn"], fnArn) || !cmp.Equal(target["DeadLetterConfig"], map[string]any{"Arn": queueArn}) ||
		!cmp.Equal(target["RetryPolicy"], map[string]any{"MaximumRetryAttempts": float64(185), "MaximumEventAgeInSeconds": float64(86400)}) {
		t.Errorf("target %v", target)
	}

	// Only the rule may invoke the function.
	ruleArn := map[string]any{"Fn::GetAtt": []any{ruleID, "Arn"}}
	n := 0
	for id, p := range resources(t, "AWS::Lambda::Permission") {
		props := p["Properties"].(map[string]any)
		if !cmp.Equal(props["FunctionName"], fnArn) && !cmp.Equal(props["FunctionName"], map[string]any{"Ref": fnID}) {
			continue
		}
		n++
		if props["Principal"] != "events.amazonaws.com" || !cmp.Equal(props["SourceArn"], ruleArn) || props["Action"] != "lambda:InvokeFunction" {
			t.Errorf("%s: %v", id, props)
		}
	}
	if n != 1 {
		t.Errorf("%d invoke permissions on record-email-event, want the rule's only", n)
	}
	// What the function keeps failing on goes to the same queue.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
		"FunctionName": map[string]any{"Ref": fnID}, "MaximumRetryAttempts": 2,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": queueArn}},
	})
	// The queue takes EventBridge's messages from this rule only.
	for id, p := range resources(t, "AWS::SQS::QueuePolicy") {
		props := p["Properties"].(map[string]any)
		if !strings.Contains(strings.Join(flatten(props["Queues"]), " "), queueID) {
			continue
		}
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			if s["Effect"] == "Deny" { // EnforceSSL
				continue
			}
			cond := s["Condition"].(map[string]any)["ArnEquals"].(map[string]any)["aws:SourceArn"]
			if s["Action"] != "sqs:SendMessage" || !cmp.Equal(s["Principal"], map[string]any{"Service": "events.amazonaws.com"}) || !cmp.Equal(cond, ruleArn) {
				t.Errorf("%s statement %v", id, s)
			}
		}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS", "Threshold": 1,
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queueID, "QueueName"}}}},
	})
}

// The webhook sender has a ceiling of its own, so that one tenant's burst
// of wakes cannot take the account's concurrency from the API.
func TestTheWebhookSenderHasReservedConcurrency(t *testing.T) {
	found := false
	for id, fn := range resources(t, "AWS::Lambda::Function") {
		props := fn["Properties"].(map[string]any)
		if strings.HasPrefix(id, logicalName(apigw.DeliverWebhooksFunction)) {
			found = true
			if props["ReservedConcurrentExecutions"] != float64(WebhookSenderConcurrency) {
				t.Errorf("%s: reserved concurrency %v, want %d", id, props["ReservedConcurrentExecutions"], WebhookSenderConcurrency)
			}
		}
	}
	if !found {
		t.Error("no deliver-webhooks function")
	}
}

// TestTheTokenTriggerIsInvokedByThisAccountsPoolsOnly: the tenants' pools
// are made at run time, so Cognito may invoke issue-token-claims for the
// user pools of this account and region, and nothing else may invoke it.
func TestTheTokenTriggerIsInvokedByThisAccountsPoolsOnly(t *testing.T) {
	tmpl, _ := synth(t)
	fnID := findID(t, "AWS::Lambda::Function", logicalName(apigw.IssueTokenClaimsFunction))
	fnArn := map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}
	n := 0
	for id, p := range resources(t, "AWS::Lambda::Permission") {
		props := p["Properties"].(map[string]any)
		if !cmp.Equal(props["FunctionName"], fnArn) && !cmp.Equal(props["FunctionName"], map[string]any{"Ref": fnID}) {
			continue
		}
		n++
		source := strings.Join(flatten(props["SourceArn"]), "")
		if props["Principal"] != "cognito-idp.amazonaws.com" || props["Action"] != "lambda:InvokeFunction" ||
			!cmp.Equal(props["SourceAccount"], map[string]any{"Ref": "AWS::AccountId"}) ||
			!strings.Contains(source, ":cognito-idp:") || !strings.HasSuffix(source, ":userpool/*") ||
			!strings.Contains(source, "AWS::AccountId") || !strings.Contains(source, "AWS::Region") {
			t.Errorf("%s: %v", id, props)
		}
	}
	if n != 1 {
		t.Errorf("%d invoke permissions on issue-token-claims, want Cognito's only", n)
	}
	tmpl.HasOutput(jsii.String("TokenTriggerArn"), map[string]any{"Value": fnArn})
}
