// Command review-partner is the Lambda function that serves POST /v1/partners/{id}/approve and /reject.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("review-partner", func(a *base.App) any { return a.API.ReviewPartner }))
}
