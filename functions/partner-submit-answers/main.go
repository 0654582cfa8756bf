// Command partner-submit-answers is the Lambda function that serves a partner route (PUT /v1/partner/answers).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	_ "github.com/partnerinvites/partnerinvites/internal/app/partnerauth" // partners' ID tokens
)

func main() {
	lambda.Start(base.Main("partner-submit-answers", func(a *base.App) any { return a.API.SubmitOwnAnswers }))
}
