package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/grants"
)

// StackProps configure a Partner Invites stack.
type StackProps struct {
	awscdk.StackProps
	// Stage names the deployment (dev, prod); it prefixes resource names.
	Stage string
	// SenderEmail is the From address of invitation emails (verified in SES).
	SenderEmail string
	// PublicBaseURL, when set, is where activation links point (a custom
	// domain in front of the API); by default, the API's own URL.
	PublicBaseURL string
	// AssetDir holds one folder per function with its bootstrap binary
	// (`make build` writes dist/).
	AssetDir string
	// RateLimit and BurstLimit throttle the API's stage (requests per second).
	RateLimit, BurstLimit float64
}

// Stack is the deployed product: what tests inspect.
type Stack struct {
	awscdk.Stack
	Table       awsdynamodb.Table
	Functions   map[string]awslambda.Function
	Logs        map[string]awslogs.LogGroup
	API         awsapigatewayv2.HttpApi
	Bus         awsevents.EventBus
	Schedule    awsscheduler.Schedule
	senderEmail string
	mailSet     awsses.ConfigurationSet
}

// NewStack builds the stack from the same sources the local stack uses:
// the route table and triggers (internal/apigw) and the table schema
// (internal/dynamostore). It makes no Cognito user pool: every tenant gets
// its own when it is created (partnerctl tenant create), and the
// activation functions may reach the pools of this account and region only.
func NewStack(scope constructs.Construct, id string, props *StackProps) *Stack {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	s := &Stack{Stack: stack, Functions: map[string]awslambda.Function{}, Logs: map[string]awslogs.LogGroup{}, senderEmail: props.SenderEmail}
	s.Table = newTable(stack)
	s.Bus = newEventBus(stack, props.Stage)

	secret := awscdk.NewCfnParameter(stack, jsii.String("SecretKey"), &awscdk.CfnParameterProps{
		Type: jsii.String("String"), NoEcho: jsii.Bool(true), MinLength: jsii.Number(43),
		Description: jsii.String("SECRET_KEY: 32 random bytes, base64 (make deploy generates it once)."),
	})
	previous := awscdk.NewCfnParameter(stack, jsii.String("SecretKeyPrevious"), &awscdk.CfnParameterProps{
		Type: jsii.String("String"), NoEcho: jsii.Bool(true), Default: jsii.String(""),
		Description: jsii.String("SECRET_KEY_PREVIOUS: the secret before a rotation, which still opens what it sealed (empty otherwise)."),
	})
	s.API = awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String("partner-invites-" + props.Stage), CreateDefaultStage: jsii.Bool(false),
	})
	mail := awsses.NewConfigurationSet(stack, jsii.String("Mail"), &awsses.ConfigurationSetProps{})
	s.mailSet = mail
	awsses.NewEmailIdentity(stack, jsii.String("Sender"), &awsses.EmailIdentityProps{
		Identity: awsses.Identity_Email(jsii.String(props.SenderEmail)), ConfigurationSet: mail,
	})

	baseURL := props.PublicBaseURL
	if baseURL == "" {
		baseURL = *s.API.ApiEndpoint()
	}
	env := environment{
		"TABLE_NAME": s.Table.TableName(), "SECRET_KEY": secret.ValueAsString(), "SECRET_KEY_PREVIOUS": previous.ValueAsString(), "ACTIVATION_BASE_URL": jsii.String(baseURL),
		"SENDER_EMAIL": jsii.String(props.SenderEmail), "SES_CONFIGURATION_SET": mail.ConfigurationSetName(),
		"EVENT_BUS_NAME": s.Bus.EventBusName(),
	}
	for _, name := range apigw.Functions() {
		s.Functions[name] = s.newFunction(stack, name, props, env)
	}
	s.addRoutes()
	if props.RateLimit == 0 {
		props.RateLimit, props.BurstLimit = 100, 200
	}
	s.addStage(stack, props.RateLimit, props.BurstLimit)
	s.addStreamConsumers(stack)
	s.addExpirySchedule(stack)
	s.addWebhooks(stack)
	s.addEmailEvents(stack)
	s.addTokenTrigger(stack)
	s.addAlarms(stack)
	s.suppressNagFindings()
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: s.API.ApiEndpoint()})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: s.Table.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("PoolNamePrefix"), &awscdk.CfnOutputProps{
		Value:       jsii.String(PoolNamePrefix(props.Stage)),
		Description: jsii.String("POOL_NAME_PREFIX for partnerctl tenant create: each tenant's user pool is named this + its id."),
	})
	return s
}

// environment is every variable a function may get; each gets only those
// its needs list.
type environment map[string]*string

func newTable(stack awscdk.Stack) awsdynamodb.Table {
	schema := dynamostore.Table
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(schema.PartitionKey), SortKey: str(schema.SortKey),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Stream:              awsdynamodb.StreamViewType(schema.StreamView),
		TimeToLiveAttribute: jsii.String(schema.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	for _, ix := range schema.Indexes {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName: jsii.String(ix.Name), PartitionKey: str(ix.PartitionKey), SortKey: str(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return table
}

// PoolNamePrefix starts the name of every tenant's user pool in a stage.
func PoolNamePrefix(stage string) string { return "partner-invites-" + stage + "-" }

// logicalName turns a function name (send-invitation-email) into a
// construct id (SendInvitationEmail).
func logicalName(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// newFunction adds one function: its arm64 bootstrap on provided.al2023, a
// log group with retention, the variables it needs, and the grants it needs.
func (s *Stack) newFunction(stack awscdk.Stack, name string, props *StackProps, env environment) awslambda.Function {
	id := logicalName(name)
	g, ok := grants.Of(name)
	if !ok {
		panic(fmt.Sprintf("infra: function %s has no entry in internal/grants", name)) // a build defect
	}
	need := need{g}
	vars := map[string]*string{}
	for _, v := range need.Env {
		if env[v] != nil { // the others are added with what they name (addWebhooks)
			vars[v] = env[v]
		}
	}
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Architecture: awslambda.Architecture_ARM_64(),
		Handler: jsii.String("bootstrap"), Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(props.AssetDir, name)), nil),
		MemorySize: jsii.Number(need.memory()), Timeout: awscdk.Duration_Seconds(jsii.Number(need.timeout())),
		Environment: &vars, LogGroup: logs, LoggingFormat: awslambda.LoggingFormat_JSON,
		Description: jsii.String(need.Summary),
	})
	s.grant(fn, need)
	s.Logs[name] = logs
	return fn
}

func (s *Stack) addRoutes() {
	authorizer := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("ApiKeyAuthorizer"), s.Functions[apigw.AuthorizerFunction],
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			IdentitySource:  jsii.Strings("$request.header.Authorization"),
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(apigw.AuthorizerCacheTTL.Seconds())),
		})
	integrations := map[string]awsapigatewayv2.HttpRouteIntegration{}
	for _, r := range apigw.Routes {
		integration, ok := integrations[r.Function]
		if !ok {
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(logicalName(r.Function)+"Integration"), s.Functions[r.Function], nil)
			integrations[r.Function] = integration
		}
		opts := &awsapigatewayv2.AddRoutesOptions{
			Path: jsii.String(r.Path), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
		}
		if r.Auth == apigw.AuthAPIKey {
			opts.Authorizer = authorizer
			s.API.AddRoutes(opts)
			continue
		}
		opts.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
		suppressRouteNag(r, s.API.AddRoutes(opts))
	}
}
