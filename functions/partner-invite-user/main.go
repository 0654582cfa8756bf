// Command partner-invite-user is the Lambda function that serves a partner route (POST /v1/partner/users).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // partners' ID tokens
	"github.com/partnerinvites/partnerinvites/internal/app/phoneapp"
)

func main() {
	lambda.Start(phoneapp.Main("partner-invite-user", func(a *base.App) any { return a.API.InviteOwn }))
}
