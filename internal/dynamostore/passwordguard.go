package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// passwordGuardSK keys a login's wrong-password count in its tenant's
// partition: T#<tid> / PWFAIL#<sub>.
func passwordGuardSK(sub string) string { return "PWFAIL#" + sub }

type passwordGuardRecord struct {
	keys
	Type        string `dynamodbav:"type"`
	Count       int    `dynamodbav:"count"`
	WindowStart int64  `dynamodbav:"window_start_ms"`
	TTL         int64  `dynamodbav:"ttl"`
}

// GetPasswordFailures returns a login's wrong-password count (strongly
// consistent: the ceiling must hold under a burst of guesses).
func (s *Store) GetPasswordFailures(ctx context.Context, tenantID, sub string) (partners.PasswordFailures, error) {
	var r passwordGuardRecord
	err := s.get(ctx, tenantPK(tenantID), passwordGuardSK(sub), "password failures", &r)
	if partners.IsKind(err, partners.NotFound) {
		return partners.PasswordFailures{}, nil
	}
	if err != nil {
		return partners.PasswordFailures{}, err
	}
	return partners.PasswordFailures{Count: r.Count, WindowStart: time.UnixMilli(r.WindowStart).UTC()}, nil
}

// AddPasswordFailure adds one to the count of the window that started after
// now-window, or starts a new window at now. Each is one conditional write,
// so concurrent guesses are all counted; a lost race is tried again.
func (s *Store) AddPasswordFailure(ctx context.Context, tenantID, sub string, now time.Time, window time.Duration) (partners.PasswordFailures, error) {
	key := keyOf(tenantPK(tenantID), passwordGuardSK(sub))
	cutoff := num64(now.Add(-window).UnixMilli())
	const tries = 5
	for range tries {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key,
			UpdateExpression:          aws.String("ADD #count :one"),
			ConditionExpression:       aws.String("window_start_ms > :cutoff"),
			ExpressionAttributeNames:  map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":cutoff": cutoff},
			ReturnValues:              types.ReturnValueAllNew,
		})
		var failed *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			var r passwordGuardRecord
			if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
				return partners.PasswordFailures{}, fmt.Errorf("decode password failures: %w", err)
			}
			return partners.PasswordFailures{Count: r.Count, WindowStart: time.UnixMilli(r.WindowStart).UTC()}, nil
		case !errors.As(err, &failed):
			return partners.PasswordFailures{}, fmt.Errorf("count a wrong password: %w", err)
		}
		// No window, or an old one: start a new one, unless a concurrent
		// request just did (then add to it on the next go).
		item, err := attributevalue.MarshalMap(passwordGuardRecord{
			keys: keys{PK: tenantPK(tenantID), SK: passwordGuardSK(sub)}, Type: TypePasswordFailures,
			Count: 1, WindowStart: now.UnixMilli(), TTL: now.Add(2 * window).Unix(),
		})
		if err != nil {
			return partners.PasswordFailures{}, fmt.Errorf("encode password failures: %w", err)
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR window_start_ms <= :cutoff"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":cutoff": cutoff},
		})
		if err == nil {
			return partners.PasswordFailures{Count: 1, WindowStart: now.UTC()}, nil
		}
		if !errors.As(err, &failed) {
			return partners.PasswordFailures{}, fmt.Errorf("count a wrong password: %w", err)
		}
	}
	return partners.PasswordFailures{}, fmt.Errorf("count a wrong password: lost %d races in a row", tries)
}
