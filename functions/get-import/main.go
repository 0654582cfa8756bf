// Command get-import is the Lambda function that serves GET /v1/imports/{id}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("get-import", func(a *base.App) any { return a.API.GetImport }))
}
