// Command rotate-webhook-secret is the Lambda function that serves POST /v1/webhook-endpoints/{id}/rotate-secret.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("rotate-webhook-secret", func(a *base.App) any { return a.API.RotateWebhookSecret }))
}
