// Command list-webhook-endpoints is the Lambda function that serves GET /v1/webhook-endpoints.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-webhook-endpoints", func(a *base.App) any { return a.API.ListWebhookEndpoints }))
}
