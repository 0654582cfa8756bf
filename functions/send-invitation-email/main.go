// Command send-invitation-email is the Lambda function that sends invitation emails: it consumes the table's DynamoDB stream (the outbox) and calls SES.
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
		slog.Error("send-invitation-email: start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Outbox().Handle)
}
