// Command resend-invitation is the Lambda function that serves POST /v1/invitations/{id}/resend.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("resend-invitation", func(a *base.App) any { return a.API.ResendInvitation }))
}
