package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// The cdk-nag AwsSolutions findings that stand, each with its reason
// (TestAwsSolutionsChecks fails on any other). What could be fixed was:
// the failure queues refuse requests without TLS (AwsSolutions-SQS4).

// suppressNagFindings records why each standing finding stands.
func (s *Stack) suppressNagFindings() {
	cdknag.NagSuppressions_AddStackSuppressions(s.Stack, &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("AWSLambdaBasicExecutionRole is the managed policy of CloudWatch Logs only (logs:CreateLogGroup, CreateLogStream, PutLogEvents), " +
				"which every function needs; everything else each function may do is a statement of its own naming exactly the actions it uses (internal/grants, TestPoliciesNameOnlyTheActionsEachFunctionUses)."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("The table's indexes: a function granted actions on the table may query its global secondary indexes, " +
				"which hold the same table's items (one table, every tenant's items keyed by tenant); naming each index would grant the same."),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<Table[0-9A-F]+\.Arn>\/index\/\*$/`)}},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Every tenant has its own Cognito user pool, created after the stack (partnerctl tenant create), so no pool ARN exists at deploy time: " +
				"the functions that sign partners in may reach the pools of this account and region only, with exactly the actions they call (TestNoSharedUserPoolAndGrantsOnThisAccountsPools)."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:cognito-idp:<AWS::Region>:<AWS::AccountId>:userpool/*"},
		},
		{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("The EventBridge Scheduler target's role (made by CDK) may invoke the expiry function and its versions; only EventBridge Scheduler may assume it."),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<ExpireInvitations[0-9A-F]+\.Arn>:\*$/`)}},
		},
	}, nil)
	// dynamodb:ListStreams, which CDK's DynamoDB event source grants its
	// consumer, has no resource-level permissions.
	for _, c := range consumers {
		cdknag.NagSuppressions_AddResourceSuppressions(s.Functions[c.function].Role(), &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("dynamodb:ListStreams (granted by CDK's DynamoDB event source to read the table's stream) supports no resource-level permissions: AWS allows only *."),
			AppliesTo: &[]any{"Resource::*"},
		}}, jsii.Bool(true))
	}
}

// suppressFailureQueueNag: a failure queue is itself the end of the line.
func suppressFailureQueueNag(q awssqs.Queue, of string) {
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is the dead-letter queue of " + of + ": where what it gave up on is kept (14 days), watched by an alarm. " +
			"cdk-nag counts only redrive targets as dead-letter queues, not on-failure destinations."),
	}}, nil)
}

// suppressRouteNag: the routes without an API Gateway authorizer.
func suppressRouteNag(r apigw.Route, routes *[]awsapigatewayv2.HttpRoute) {
	reason := "HTTP API: public by design: the activation or reset link's token, or the tenant's public page, is the credential, checked by the function (docs/security.md, Links)."
	if r.Auth == apigw.AuthPartnerToken {
		reason = "HTTP API: authorisation in the function: it verifies the partner user's Cognito ID token against the tenant's own pool (signature, issuer, audience, use, expiry) " +
			"and reads the membership live; each tenant has its own pool, created after the stack, so no API Gateway JWT authorizer can name them (TestIsolationMatrix)."
	}
	for _, route := range *routes {
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String(reason),
		}}, jsii.Bool(true))
	}
}
