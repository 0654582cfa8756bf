package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
)

// consumer is one reader of the table's stream, and the items it acts on
// (filter criteria: Lambda drops the rest before invoking). The filters are
// the store's: it knows which writes queue work.
type consumer struct {
	function string
	filters  []dynamostore.StreamFilter
}

var consumers = []consumer{
	{apigw.SendInvitationEmailFunction, dynamostore.EmailFilters()},
	{apigw.ProcessImportFunction, dynamostore.QueuedChunkFilters()},
	{apigw.PublishEventsFunction, dynamostore.ChangeFilters()},
}

// addStreamConsumers connects each consumer to the stream: in order per
// shard, small batches, bisect on error, partial batch failures, retried
// for up to two hours (the email sender gives up on a message after its own
// one-hour window and records it failed), then the failed batch's
// description goes to a queue, watched by an alarm.
func (s *Stack) addStreamConsumers(stack awscdk.Stack) {
	for _, c := range consumers {
		name, id := c.function, logicalName(c.function)
		dlq := awssqs.NewQueue(stack, jsii.String(id+"Failures"), &awssqs.QueueProps{
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)), Encryption: awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL: jsii.Bool(true),
		})
		suppressFailureQueueNag(dlq, name+"'s stream source (on failure)")
		var fs []*map[string]interface{}
		for _, f := range c.filters {
			pattern := f.Pattern()
			fs = append(fs, awslambda.FilterCriteria_Filter(&pattern))
		}
		s.Functions[name].AddEventSource(awslambdaeventsources.NewDynamoEventSource(s.Table, &awslambdaeventsources.DynamoEventSourceProps{
			StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
			BatchSize:               jsii.Number(25),
			BisectBatchOnError:      jsii.Bool(true),
			ReportBatchItemFailures: jsii.Bool(true),
			RetryAttempts:           jsii.Number(10000),
			MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(2)),
			OnFailure:               awslambdaeventsources.NewSqsDlq(dlq),
			Filters:                 &fs,
		}))
		awscloudwatch.NewAlarm(stack, jsii.String(id+"FailuresAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(name + ": stream records gave up on (see the queue)"),
			Metric:             dlq.MetricApproximateNumberOfMessagesVisible(nil),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
}
