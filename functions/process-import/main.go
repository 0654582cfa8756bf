// Command process-import is the Lambda function that invites the rows of queued CSV import chunks: it consumes the table's DynamoDB stream.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/app/phoneapp"
)

func main() {
	lambda.Start(phoneapp.Main("process-import", func(a *base.App) any { return a.Imports().Handle }))
}
