// Command decline-activation is the Lambda function that serves GET and POST /activate/{token}/decline: the invitee's "this isn't for me".
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("decline-activation", func(a *base.App) any { return a.API.DeclineActivation }))
}
