// Command renew-activation is the Lambda function that serves POST /activate/{token}/renew: an expired link's request for a new one.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("renew-activation", func(a *base.App) any { return a.API.RenewActivation }))
}
