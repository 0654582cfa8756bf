// Command list-partners is the Lambda function that serves GET /v1/partners.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-partners", func(a *base.App) any { return a.API.ListPartners }))
}
