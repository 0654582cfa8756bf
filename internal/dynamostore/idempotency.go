package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/idempotency"
)

func idempotencySK(key string) string { return "IDEM#" + key }

type idempotencyRecord struct {
	keys
	Type        string            `dynamodbav:"type"`
	Fingerprint string            `dynamodbav:"fingerprint"`
	Completed   bool              `dynamodbav:"completed"`
	Status      int               `dynamodbav:"status,omitempty"`
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	Body        string            `dynamodbav:"body,omitempty"`
	CreatedAt   time.Time         `dynamodbav:"created_at"`
	ExpiresAt   time.Time         `dynamodbav:"expires_at"`
	TTL         int64             `dynamodbav:"ttl"`
}

func newIdempotencyRecord(r idempotency.Record) idempotencyRecord {
	return idempotencyRecord{
		keys: keys{PK: tenantPK(r.TenantID), SK: idempotencySK(r.Key)}, Type: "idempotency",
		Fingerprint: r.Fingerprint, Completed: r.Completed,
		Status: r.Response.Status, Headers: r.Response.Headers, Body: r.Response.Body,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, TTL: r.ExpiresAt.Unix(),
	}
}

// Begin claims a key with a conditional put; an expired record that TTL has
// not deleted yet counts as absent.
func (s *Store) Begin(ctx context.Context, rec idempotency.Record) (idempotency.Record, bool, error) {
	item, err := attributevalue.MarshalMap(newIdempotencyRecord(rec))
	if err != nil {
		return idempotency.Record{}, false, fmt.Errorf("encode idempotency record: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #ttl < :now"),
		ExpressionAttributeNames:            map[string]string{"#ttl": Table.TTLAttribute},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(rec.CreatedAt.Unix(), 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old idempotencyRecord
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return idempotency.Record{}, false, fmt.Errorf("decode idempotency record: %w", err)
		}
		return idempotency.Record{
			TenantID: rec.TenantID, Key: rec.Key, Fingerprint: old.Fingerprint, Completed: old.Completed,
			Response:  idempotency.Response{Status: old.Status, Headers: old.Headers, Body: old.Body},
			CreatedAt: old.CreatedAt, ExpiresAt: old.ExpiresAt,
		}, false, nil
	}
	if err != nil {
		return idempotency.Record{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return rec, true, nil
}

// Complete stores the response of a claimed key.
func (s *Store) Complete(ctx context.Context, rec idempotency.Record) error {
	item, err := attributevalue.MarshalMap(newIdempotencyRecord(rec))
	if err != nil {
		return fmt.Errorf("encode idempotency record: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// Release deletes a claimed key.
func (s *Store) Release(ctx context.Context, tenantID, key string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), idempotencySK(key)),
	})
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
