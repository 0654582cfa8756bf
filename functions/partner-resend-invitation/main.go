// Command partner-resend-invitation is the Lambda function that serves a partner route (POST /v1/partner/invitations/{id}/resend).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // partners' ID tokens
)

func main() {
	lambda.Start(base.Main("partner-resend-invitation", func(a *base.App) any { return a.API.ResendOwn }))
}
