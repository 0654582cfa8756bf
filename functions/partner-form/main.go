// Command partner-form is the Lambda function that serves POST /activate/{token}/form: the partner form after activation.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/loginapp"
)

func main() {
	lambda.Start(loginapp.Main("partner-form", func(a *base.App) any { return a.API.PartnerFormPage }))
}
