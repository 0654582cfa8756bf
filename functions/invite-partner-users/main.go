// Command invite-partner-users is the Lambda function that serves POST /v1/partners/{id}/invitations.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("invite-partner-users", func(a *base.App) any { return a.API.InviteMany }))
}
