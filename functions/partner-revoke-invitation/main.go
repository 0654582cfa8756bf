// Command partner-revoke-invitation is the Lambda function that serves a partner route (POST /v1/partner/invitations/{id}/revoke).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // partners' ID tokens
)

func main() {
	lambda.Start(base.Main("partner-revoke-invitation", func(a *base.App) any { return a.API.RevokeOwn }))
}
