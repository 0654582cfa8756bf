// Command list-memberships is the Lambda function that serves GET /v1/memberships/{sub}.
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
		slog.Error("list-memberships: start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.API.ListMemberships)
}
