// Command record-email-event is the Lambda function an EventBridge rule invokes with SES's events of the configuration set: it records deliveries, bounces, complaints and rejects on the invitations.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("record-email-event", func(a *base.App) any { return a.EmailEvents().Handle }))
}
