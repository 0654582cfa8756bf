package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/idempotency"
)

func idempotencySK(key string) string { return "IDEM#" + key }

// idempotencyPartSK keys part n of a stored response too large for one
// item. The part number comes first, so that no key's parts can be taken
// for another key's (keys may hold '#').
func idempotencyPartSK(key string, n int) string { return "IDEMPART#" + strconv.Itoa(n) + "#" + key }

// maxInlineBody is how much of a sealed body one record holds; a longer one
// is split into parts of this size, each its own item, well within
// DynamoDB's 400 KB.
const maxInlineBody = 300 << 10

type idempotencyPart struct {
	keys
	Type string `dynamodbav:"type"`
	Body string `dynamodbav:"body"`
	TTL  int64  `dynamodbav:"ttl"`
}

type idempotencyRecord struct {
	keys
	Type        string            `dynamodbav:"type"`
	Fingerprint string            `dynamodbav:"fingerprint"`
	Completed   bool              `dynamodbav:"completed"`
	Status      int               `dynamodbav:"status,omitempty"`
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	Body        string            `dynamodbav:"body,omitempty"`
	Parts       int               `dynamodbav:"parts,omitempty"`
	Compressed  bool              `dynamodbav:"compressed,omitempty"`
	CreatedAt   time.Time         `dynamodbav:"created_at"`
	ExpiresAt   time.Time         `dynamodbav:"expires_at"`
	TTL         int64             `dynamodbav:"ttl"`
}

func newIdempotencyRecord(r idempotency.Record) idempotencyRecord {
	return idempotencyRecord{
		keys: keys{PK: tenantPK(r.TenantID), SK: idempotencySK(r.Key)}, Type: TypeIdempotency,
		Fingerprint: r.Fingerprint, Completed: r.Completed, Compressed: r.Compressed,
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
		body := old.Body
		if old.Completed && old.Parts > 0 {
			if body, err = s.readParts(ctx, rec.TenantID, rec.Key, old.Parts); err != nil {
				return idempotency.Record{}, false, err
			}
		}
		return idempotency.Record{
			TenantID: rec.TenantID, Key: rec.Key, Fingerprint: old.Fingerprint, Completed: old.Completed, Compressed: old.Compressed,
			Response:  idempotency.Response{Status: old.Status, Headers: old.Headers, Body: body},
			CreatedAt: old.CreatedAt, ExpiresAt: old.ExpiresAt,
		}, false, nil
	}
	if err != nil {
		return idempotency.Record{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return rec, true, nil
}

// Complete stores the response of a claimed key. A body too long for one
// item is written first in parts, then the record that names them, so that
// a completed record always has all its parts.
func (s *Store) Complete(ctx context.Context, rec idempotency.Record) error {
	r := newIdempotencyRecord(rec)
	if len(r.Body) > maxInlineBody {
		for n := 0; len(r.Body) > 0; n++ {
			size := min(maxInlineBody, len(r.Body))
			part := idempotencyPart{
				keys: keys{PK: tenantPK(rec.TenantID), SK: idempotencyPartSK(rec.Key, n)}, Type: TypeIdempotencyPart,
				Body: r.Body[:size], TTL: r.TTL,
			}
			item, err := attributevalue.MarshalMap(part)
			if err != nil {
				return fmt.Errorf("encode idempotency part: %w", err)
			}
			if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
				return fmt.Errorf("store idempotent response part %d: %w", n, err)
			}
			r.Body, r.Parts = r.Body[size:], n+1
		}
	}
	item, err := attributevalue.MarshalMap(r)
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

// readParts joins the parts of a stored response.
func (s *Store) readParts(ctx context.Context, tenantID, key string, parts int) (string, error) {
	var body strings.Builder
	for n := range parts {
		var p idempotencyPart
		if err := s.get(ctx, tenantPK(tenantID), idempotencyPartSK(key, n), "idempotent response part", &p); err != nil {
			return "", fmt.Errorf("read idempotent response part %d: %w", n, err)
		}
		body.WriteString(p.Body)
	}
	return body.String(), nil
}
