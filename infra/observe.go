package main

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// accessLogFormat is one JSON line per request. It leaves out the path:
// /activate/{token} carries the activation token, which must not rest in
// logs; the route key names the route without it.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","time":"$context.requestTime",` +
	`"method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

// addStage adds the API's $default stage with throttling and access logs.
func (s *Stack) addStage(stack awscdk.Stack, rate, burst float64) awsapigatewayv2.HttpStage {
	logs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := awsapigatewayv2.NewHttpStage(stack, jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi: s.API, StageName: jsii.String("$default"), AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(rate), BurstLimit: jsii.Number(burst)},
	})
	cfn := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(), Format: jsii.String(accessLogFormat),
	})
	return stage
}

// addAlarms watches the functions' errors and throttles — summed in
// groups of ten, the most metrics one alarm may use, so that the stack
// keeps few alarms (each costs at rest) — and SES's bounce rate.
func (s *Stack) addAlarms(stack awscdk.Stack) {
	names := make([]string, 0, len(s.Functions))
	for name := range s.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	for group := 0; group*10 < len(names); group++ {
		members := names[group*10 : min(group*10+10, len(names))]
		for _, kind := range []string{"Errors", "Throttles"} {
			usingMetrics := map[string]awscloudwatch.IMetric{}
			expr := ""
			for i, name := range members {
				fn := s.Functions[name]
				var m awscloudwatch.Metric
				if kind == "Errors" {
					m = fn.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
				} else {
					m = fn.MetricThrottles(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
				}
				id := fmt.Sprintf("m%d", i)
				usingMetrics[id] = m
				if expr != "" {
					expr += "+"
				}
				expr += id
			}
			awscloudwatch.NewAlarm(stack, jsii.String(fmt.Sprintf("Function%sAlarm%d", kind, group+1)), &awscloudwatch.AlarmProps{
				AlarmDescription: jsii.String(fmt.Sprintf("Function %s (%s … %s)", kind, members[0], members[len(members)-1])),
				Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
					Expression: jsii.String(expr), UsingMetrics: &usingMetrics, Period: awscdk.Duration_Minutes(jsii.Number(5)),
				}),
				Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			})
		}
	}
	// An email whose retry window passed ends failed, expired_in_queue: the
	// sender logs it, and this alarm counts those lines.
	expired := awslogs.NewMetricFilter(stack, jsii.String("DeliveriesExpiredInQueue"), &awslogs.MetricFilterProps{
		LogGroup:        s.Logs[apigw.SendInvitationEmailFunction],
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(`{ $.msg = "delivery: failed" && $.reason = "expired_in_queue" }`)),
		MetricNamespace: jsii.String("PartnerInvites"), MetricName: jsii.String("DeliveriesExpiredInQueue"),
		MetricValue: jsii.String("1"), DefaultValue: jsii.Number(0),
	})
	awscloudwatch.NewAlarm(stack, jsii.String("DeliveriesExpiredInQueueAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("Invitation emails failed with expired_in_queue: their retry window passed before they could be sent"),
		Metric:           expired.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}),
		Threshold:        jsii.Number(1), EvaluationPeriods: jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	awscloudwatch.NewAlarm(stack, jsii.String("SESBounceRateAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("SES bounce rate above 5% (SES reviews accounts from 5%, pauses from 10%)"),
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/SES"), MetricName: jsii.String("Reputation.BounceRate"),
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Hours(jsii.Number(1)),
		}),
		Threshold: jsii.Number(0.05), EvaluationPeriods: jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
