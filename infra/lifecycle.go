package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// newEventBus is the stack's event bus: every domain event, for tenants who
// deploy into their own account (detail-type = the event's type, source
// "partnerinvites").
func newEventBus(stack awscdk.Stack, stage string) awsevents.EventBus {
	return awsevents.NewEventBus(stack, jsii.String("Events"), &awsevents.EventBusProps{
		EventBusName: jsii.String("partner-invites-" + stage),
	})
}

// grantEventsTo lets a function put events on the bus, and nothing else.
func (s *Stack) grantEventsTo(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("EventBus"), Actions: jsii.Strings("events:PutEvents"), Resources: jsii.Strings(*s.Bus.EventBusArn()),
	}))
}

// addExpirySchedule runs expire-invitations every 15 minutes with
// EventBridge Scheduler (its role may invoke that function only), retried
// by the scheduler on failure, and alarms when a run fails.
func (s *Stack) addExpirySchedule(stack awscdk.Stack) {
	fn := s.Functions[apigw.ExpireInvitationsFunction]
	s.Schedule = awsscheduler.NewSchedule(stack, jsii.String("ExpireInvitationsSchedule"), &awsscheduler.ScheduleProps{
		Schedule:    awsscheduler.ScheduleExpression_Rate(awscdk.Duration_Minutes(jsii.Number(apigw.ExpirySchedule.Minutes()))),
		Target:      awsschedulertargets.NewLambdaInvoke(fn, &awsschedulertargets.ScheduleTargetBaseProps{RetryAttempts: jsii.Number(2), MaxEventAge: awscdk.Duration_Minutes(jsii.Number(10))}),
		Description: jsii.String("Marks overdue invitations expired (" + apigw.ExpireInvitationsFunction + ")."),
	})
	awscloudwatch.NewAlarm(stack, jsii.String("ExpireInvitationsErrorsAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(apigw.ExpireInvitationsFunction + ": a run failed (some invitations were not marked; see its log)"),
		Metric:             fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(15))}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(2),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
