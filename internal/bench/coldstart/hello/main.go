// Command hello is the yardstick of the cold-start benchmark: the smallest
// aws-lambda-go function, a lambda.Start of a handler that does nothing.
// It is built with the same flags as the functions, so that what a
// function adds to its cold start is the ratio of the two.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
