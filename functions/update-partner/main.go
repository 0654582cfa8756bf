// Command update-partner is the Lambda function that serves PATCH /v1/partners/{id}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/phoneapp"
)

func main() {
	lambda.Start(phoneapp.Main("update-partner", func(a *base.App) any { return a.API.UpdatePartner }))
}
