// Command update-partner-user is the Lambda function that serves PATCH /v1/partners/{id}/users/{uid}: portal access and role.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("update-partner-user", func(a *base.App) any { return a.API.UpdatePartnerUser }))
}
