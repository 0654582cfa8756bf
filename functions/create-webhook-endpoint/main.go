// Command create-webhook-endpoint is the Lambda function that serves POST /v1/webhook-endpoints.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("create-webhook-endpoint", func(a *base.App) any { return a.API.CreateWebhookEndpoint }))
}
