package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/grants"
)

// addWebhooks wires the webhook sender: an EventBridge Scheduler schedule
// runs it every minute (the retries, due in the table's GSI2), the
// functions that wake it for new or retried deliveries may invoke it and
// only it, and an alarm counts the deliveries given up on.
// WebhookSenderConcurrency is deliver-webhooks' reserved concurrency.
const WebhookSenderConcurrency = 20

func (s *Stack) addWebhooks(stack awscdk.Stack) {
	sender := s.Functions[apigw.DeliverWebhooksFunction]
	// Every event wakes the sender: without a ceiling, one tenant's burst
	// (an import of 10,000 rows, 20 endpoints that hang) could take the
	// account's whole Lambda concurrency from every other tenant's API
	// calls. Wakes beyond it wait in Lambda's async queue (retried for
	// hours), and the deliveries are due in the table for the schedule
	// anyway.
	sender.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(WebhookSenderConcurrency))
	for name, fn := range s.Functions {
		if g, _ := grants.Of(name); g.WakesSender {
			fn.AddEnvironment(jsii.String("WEBHOOK_SENDER_FUNCTION"), sender.FunctionName(), nil)
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("WakeSender"), Actions: jsii.Strings("lambda:InvokeFunction"), Resources: jsii.Strings(*sender.FunctionArn()),
			}))
		}
	}
	role := awsiam.NewRole(stack, jsii.String("WebhookScheduleRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
		Description: jsii.String("EventBridge Scheduler: runs deliver-webhooks every minute"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("RunSender"), Actions: jsii.Strings("lambda:InvokeFunction"), Resources: jsii.Strings(*sender.FunctionArn()),
	}))
	awsscheduler.NewCfnSchedule(stack, jsii.String("WebhookSchedule"), &awsscheduler.CfnScheduleProps{
		Description:        jsii.String("deliver-webhooks: the due retries"),
		ScheduleExpression: jsii.String("rate(1 minute)"),
		FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn: sender.FunctionArn(), RoleArn: role.RoleArn(), Input: jsii.String("{}"),
			// A missed minute is made up by the next: no retries of a run.
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{MaximumRetryAttempts: jsii.Number(0)},
		},
	})
	failed := awslogs.NewMetricFilter(stack, jsii.String("WebhookDeliveriesFailed"), &awslogs.MetricFilterProps{
		LogGroup:        s.Logs[apigw.DeliverWebhooksFunction],
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(`{ $.msg = "webhooks: delivery failed" }`)),
		MetricNamespace: jsii.String("PartnerInvites"), MetricName: jsii.String("WebhookDeliveriesFailed"),
		MetricValue: jsii.String("1"), DefaultValue: jsii.Number(0),
	})
	awscloudwatch.NewAlarm(stack, jsii.String("WebhookDeliveriesFailedAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("Webhook deliveries failed for good: retried for 3 days, or their endpoint was disabled or deleted"),
		Metric:           failed.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(15))}),
		Threshold:        jsii.Number(10), EvaluationPeriods: jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
