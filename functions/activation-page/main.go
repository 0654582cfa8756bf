// Command activation-page is the Lambda function that serves the activation pages: GET and HEAD /activate/{token}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("activation-page", func(a *base.App) any { return a.API.ActivationPage }))
}
