// Command forgot-password is the Lambda function that serves GET, HEAD and POST /forgot-password/{tenant_id}: a tenant's "forgot your password?" page for partner logins.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("forgot-password", func(a *base.App) any { return a.API.ForgotPassword }))
}
