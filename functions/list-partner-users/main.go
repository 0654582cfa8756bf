// Command list-partner-users is the Lambda function that serves GET /v1/partners/{id}/users.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-partner-users", func(a *base.App) any { return a.API.ListPartnerUsers }))
}
