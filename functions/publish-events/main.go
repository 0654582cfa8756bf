// Command publish-events is the Lambda function that turns each committed change into its events: it consumes the table's DynamoDB stream and writes the audit trail, the EventBridge bus and the webhooks.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/eventsapp"
)

func main() {
	lambda.Start(eventsapp.Main("publish-events"))
}
