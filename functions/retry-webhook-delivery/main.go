// Command retry-webhook-delivery is the Lambda function that serves POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/hooksapp"
)

func main() {
	lambda.Start(hooksapp.Main("retry-webhook-delivery", func(a *base.App) any { return a.API.RetryWebhookDelivery }))
}
