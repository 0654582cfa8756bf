// Command get-invitations-sample is the Lambda function that serves GET /v1/invitations/sample.csv.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("get-invitations-sample", func(a *base.App) any { return a.API.InvitationsSampleCSV }))
}
