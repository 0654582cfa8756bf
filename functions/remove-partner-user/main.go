// Command remove-partner-user is the Lambda function that serves DELETE /v1/partners/{id}/users/{uid}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("remove-partner-user", func(a *base.App) any { return a.API.RemovePartnerUser }))
}
