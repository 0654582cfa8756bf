// Command create-activation is the Lambda function that serves POST /v1/activations.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("create-activation", func(a *base.App) any { return a.API.CreateActivation }))
}
