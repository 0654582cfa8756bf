// Command update-settings is the Lambda function that serves PUT /v1/settings.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("update-settings", func(a *base.App) any { return a.API.UpdateSettings }))
}
