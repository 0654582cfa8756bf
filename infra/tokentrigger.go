package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// addTokenTrigger lets the tenants' user pools run issue-token-claims
// before they issue tokens. The pools are made at run time (partnerctl
// tenant create), not by the stack, so the permission names Cognito and
// the user pools of this account and region: no other account's pool can
// invoke it. The ARN is an output: partnerctl sets it on every pool it
// makes (TOKEN_TRIGGER_ARN) and on the pools made before it (tenant
// sync-pools).
func (s *Stack) addTokenTrigger(stack awscdk.Stack) {
	fn := s.Functions[apigw.IssueTokenClaimsFunction]
	fn.AddPermission(jsii.String("CognitoPools"), &awslambda.Permission{
		Principal:     awsiam.NewServicePrincipal(jsii.String("cognito-idp.amazonaws.com"), nil),
		Action:        jsii.String("lambda:InvokeFunction"),
		SourceAccount: stack.Account(),
		SourceArn:     jsii.String("arn:" + *stack.Partition() + ":cognito-idp:" + *stack.Region() + ":" + *stack.Account() + ":userpool/*"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TokenTriggerArn"), &awscdk.CfnOutputProps{
		Value:       fn.FunctionArn(),
		Description: jsii.String("TOKEN_TRIGGER_ARN for partnerctl: every tenant's pool runs it before it issues tokens (tenant create sets it; tenant sync-pools sets it on older pools)."),
	})
}
