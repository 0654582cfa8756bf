// Command accept-activation is the Lambda function that serves POST /activate/{token}: the activation form.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("accept-activation", func(a *base.App) any { return a.API.AcceptActivation }))
}
