// Command get-identity is the Lambda function that serves GET /v1/identity.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app"
)

func main() {
	lambda.Start(app.Handler("get-identity"))
}
