// Command process-import is the Lambda function that invites the rows of queued CSV import chunks: it consumes the table's DynamoDB stream.
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
		slog.Error("process-import: start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Imports().Handle)
}
