// Command authorizer is the Lambda function that turns an API key into the tenant and role of a request (API Gateway Lambda authorizer).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("authorizer", func(a *base.App) any { return a.Authorizer.Authorize }))
}
