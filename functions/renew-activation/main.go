// Command renew-activation is the Lambda function that serves POST /activate/{token}/renew: an expired link's request for a new one.
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
		slog.Error("renew-activation: start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.API.RenewActivation)
}
