package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// emailEventTypes are the SES events record-email-event acts on, as the
// configuration set publishes them and as EventBridge names them.
var emailEventTypes = []struct {
	event      awsses.EmailSendingEvent
	detailType string
}{
	{awsses.EmailSendingEvent_DELIVERY, "Email Delivered"},
	{awsses.EmailSendingEvent_BOUNCE, "Email Bounced"},
	{awsses.EmailSendingEvent_COMPLAINT, "Email Complaint Received"},
	{awsses.EmailSendingEvent_REJECT, "Email Rejected"},
}

// addEmailEvents publishes the configuration set's delivery, bounce,
// complaint and reject events to the account's default EventBridge bus
// (the only bus SES publishes to), and a rule there — matching source
// aws.ses, those detail types and this configuration set — invokes
// record-email-event. EventBridge retries the invocation for a day; what it
// cannot deliver, and what the function keeps failing on (Lambda's own
// asynchronous retries), lands in one queue, watched by an alarm. Only this
// rule may invoke the function, and the queue takes messages from this
// rule and this function only.
func (s *Stack) addEmailEvents(stack awscdk.Stack) {
	fn := s.Functions[apigw.RecordEmailEventFunction]
	bus := awsevents.EventBus_FromEventBusName(stack, jsii.String("DefaultBus"), jsii.String("default"))
	var events []awsses.EmailSendingEvent
	var detailTypes []*string
	for _, e := range emailEventTypes {
		events = append(events, e.event)
		detailTypes = append(detailTypes, jsii.String(e.detailType))
	}
	s.mailSet.AddEventDestination(jsii.String("ToEventBridge"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_EventBus(bus), Events: &events, Enabled: jsii.Bool(true),
	})
	failures := awssqs.NewQueue(stack, jsii.String("RecordEmailEventFailures"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)), Encryption: awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL: jsii.Bool(true),
	})
	suppressFailureQueueNag(failures, "the email-events rule's target and "+apigw.RecordEmailEventFunction+"'s asynchronous invocations")
	rule := awsevents.NewRule(stack, jsii.String("EmailEventsRule"), &awsevents.RuleProps{
		EventBus:    bus,
		Description: jsii.String("SES's delivery, bounce, complaint and reject events of the invitation mail → " + apigw.RecordEmailEventFunction),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.ses"),
			DetailType: &detailTypes,
			Detail: &map[string]any{
				"mail": map[string]any{"tags": map[string]any{"ses:configuration-set": []any{s.mailSet.ConfigurationSetName()}}},
			},
		},
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: failures, RetryAttempts: jsii.Number(185), MaxEventAge: awscdk.Duration_Hours(jsii.Number(24)),
	}))
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(2), MaxEventAge: awscdk.Duration_Hours(jsii.Number(6)),
		OnFailure: awslambdadestinations.NewSqsDestination(failures),
	})
	awscloudwatch.NewAlarm(stack, jsii.String("RecordEmailEventFailuresAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(apigw.RecordEmailEventFunction + ": SES events not recorded (see the queue; the store kept failing, or EventBridge could not invoke)"),
		Metric:             failures.MetricApproximateNumberOfMessagesVisible(nil),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
