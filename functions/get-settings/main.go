// Command get-settings is the Lambda function that serves GET /v1/settings.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app"
)

func main() {
	lambda.Start(app.Handler("get-settings"))
}
