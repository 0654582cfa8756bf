// Command list-memberships is the Lambda function that serves GET /v1/memberships/{sub}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("list-memberships", func(a *base.App) any { return a.API.ListMemberships }))
}
