// Command expire-invitations is the Lambda function that EventBridge Scheduler runs every 15 minutes: it marks overdue invitations expired.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("expire-invitations", func(a *base.App) any { return a.Expiry().Handle }))
}
