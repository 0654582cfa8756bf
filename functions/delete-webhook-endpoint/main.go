// Command delete-webhook-endpoint is the Lambda function that serves DELETE /v1/webhook-endpoints/{id}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("delete-webhook-endpoint", func(a *base.App) any { return a.API.DeleteWebhookEndpoint }))
}
