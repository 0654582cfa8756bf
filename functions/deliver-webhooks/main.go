// Command deliver-webhooks is the Lambda function that sends due webhook deliveries, signed: run every minute by EventBridge Scheduler and woken by publish-events and retry-webhook-delivery.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("deliver-webhooks", func(a *base.App) any { return a.WebhookSender().Handle }))
}
