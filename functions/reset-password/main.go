// Command reset-password is the Lambda function that serves GET, HEAD and POST /reset-password/{token}: a password reset link's page and its form.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("reset-password", func(a *base.App) any { return a.API.ResetPasswordPage }))
}
