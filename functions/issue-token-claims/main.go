// Command issue-token-claims is the Lambda function that every tenant's user pool runs before it issues tokens: it adds the login's memberships and grants to the ID token, or refuses the tokens.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
)

func main() {
	lambda.Start(base.Main("issue-token-claims", func(a *base.App) any { return a.TokenClaims().Handle }))
}
