// Command move-partner-user is the Lambda function that serves POST /v1/partners/{id}/users/{uid}/move.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("move-partner-user", func(a *base.App) any { return a.API.MovePartnerUser }))
}
