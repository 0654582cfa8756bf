// Package wake wakes the webhook sender with an asynchronous Lambda
// invocation: apart from internal/webhooks, so that only the functions that
// wake it link the Lambda client.
package wake

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/webhooks"
)

// InvokeAPI is the part of the Lambda client the waker uses.
type InvokeAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Waker wakes the sender with an asynchronous invocation: it returns once
// Lambda has queued it, so that the caller (the stream's consumer, a
// request) never waits for a receiver; each wake is a sender of its own,
// so a slow receiver holds only the invocation that sends to it.
type Waker struct {
	Client   InvokeAPI
	Function string
}

// Wake queues an invocation of the sender for refs.
func (w *Waker) Wake(ctx context.Context, refs []partners.WebhookDeliveryRef) error {
	payload, err := json.Marshal(webhooks.SenderEvent{Deliveries: refs})
	if err != nil {
		return fmt.Errorf("encode wake: %w", err)
	}
	_, err = w.Client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(w.Function), InvocationType: types.InvocationTypeEvent, Payload: payload,
	})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", w.Function, err)
	}
	return nil
}
