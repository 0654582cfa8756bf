// Command partner-get is the Lambda function that serves a partner route (GET /v1/partner).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // partners' ID tokens
)

func main() {
	lambda.Start(base.Main("partner-get", func(a *base.App) any { return a.API.GetOwnPartner }))
}
