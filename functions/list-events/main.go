// Command list-events is the Lambda function that serves GET /v1/events.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-events", func(a *base.App) any { return a.API.ListEvents }))
}
