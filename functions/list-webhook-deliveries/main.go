// Command list-webhook-deliveries is the Lambda function that serves GET /v1/webhook-endpoints/{id}/deliveries.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-webhook-deliveries", func(a *base.App) any { return a.API.ListWebhookDeliveries }))
}
