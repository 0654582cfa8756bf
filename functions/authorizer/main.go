// Command authorizer is the Lambda function that turns an API key into the tenant and role of a request (API Gateway Lambda authorizer).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app"
)

func main() {
	a, err := app.New(context.Background(), os.Getenv, app.Options{})
	if err != nil {
		slog.Error("authorizer: start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Authorizer.Authorize)
}
