// Package sesmail is the SES v2 adapter: it sends the emails the domain
// composes.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Mailer sends through SES v2 SendEmail.
type Mailer struct {
	// SendEmail is the SES client's method value, not the client: a Mailer
	// sits in the domain's interfaces, and a *sesv2.Client reachable from it
	// would keep every SES operation in the email sender, which renders
	// templates (see "Binary size" in docs/decisions.md).
	SendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
	// ConfigurationSet, when set, is named on every send, so that bounces,
	// complaints and deliveries come back as events.
	ConfigurationSet string
}

// Send sends e with simple content (subject, HTML, text).
func (m *Mailer) Send(ctx context.Context, e partners.OutgoingEmail) (string, error) {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(e.From),
		Destination:      &types.Destination{ToAddresses: []string{e.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(e.Subject), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(e.HTML), Charset: aws.String("UTF-8")},
				Text: &types.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")},
			},
		}},
	}
	if m.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(m.ConfigurationSet)
	}
	names := make([]string, 0, len(e.Tags))
	for k := range e.Tags {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(k), Value: aws.String(e.Tags[k])})
	}
	out, err := m.SendEmail(ctx, in)
	if err != nil {
		if undeliverable(err) {
			return "", fmt.Errorf("send to %s: %w: %w", e.To, partners.ErrUndeliverable, err)
		}
		return "", fmt.Errorf("send to %s: %w", e.To, err)
	}
	return aws.ToString(out.MessageId), nil
}

// undeliverable reports errors that no retry fixes: the message or its
// sender is refused.
func undeliverable(err error) bool {
	var rejected *types.MessageRejected
	var notVerified *types.MailFromDomainNotVerifiedException
	var bad *types.BadRequestException
	return errors.As(err, &rejected) || errors.As(err, &notVerified) || errors.As(err, &bad)
}
