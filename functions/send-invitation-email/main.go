// Command send-invitation-email is the Lambda function that sends invitation emails: it consumes the table's DynamoDB stream (the outbox) and calls SES.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/mailapp"
)

func main() {
	lambda.Start(mailapp.Main("send-invitation-email"))
}
