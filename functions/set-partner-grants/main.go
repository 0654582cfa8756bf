// Command set-partner-grants is the Lambda function that serves PUT /v1/partners/{id}/grants.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("set-partner-grants", func(a *base.App) any { return a.API.SetGrants }))
}
