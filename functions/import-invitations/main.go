// Command import-invitations is the Lambda function that serves POST /v1/partners/{id}/invitations/import.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/phoneapp"
)

func main() {
	lambda.Start(phoneapp.Main("import-invitations", func(a *base.App) any { return a.API.ImportInvitations }))
}
