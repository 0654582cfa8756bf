package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Store implements the domain's stores on one DynamoDB table.
type Store struct {
	db    client
	table string
}

// New returns a Store on the named table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: clientOf(db), table: table}
}

// Item key builders: the single-table layout of DESIGN.md.
func tenantPK(tenantID string) string   { return "T#" + tenantID }
func keyHashPK(hash string) string      { return "KEY#" + hash }
func apiKeySK(keyID string) string      { return "APIKEY#" + keyID }
func partnerSK(partnerID string) string { return "P#" + partnerID }
func partnersGSI1PK(tenantID string) string {
	return "T#" + tenantID + "#PARTNERS"
}

const (
	tenantSK  = "TENANT"
	keyHashSK = "KEY"
)

// keys are the primary (and listing) keys every record carries.
type keys struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
}

// get reads one item, strongly consistent; NotFound ("No <what>.") if absent.
func (s *Store) get(ctx context.Context, pk, sk, what string, out any) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyOf(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("get %s %s: %w", pk, sk, err)
	}
	if res.Item == nil {
		return partners.Errorf(partners.NotFound, "No %s.", what)
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", pk, sk, err)
	}
	return nil
}

func (s *Store) putNew(ctx context.Context, record any, what string) error {
	item, err := attributevalue.MarshalMap(record)
	if err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.Conflict, "The %s already exists.", what)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", what, err)
	}
	return nil
}

// putOnce writes a record that must be written once (an event, a
// delivery, keyed by what they derive from): a second put of it changes
// nothing, and created says whether this one wrote it.
func (s *Store) putOnce(ctx context.Context, record any, what string) (created bool, err error) {
	item, err := attributevalue.MarshalMap(record)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", what, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	switch {
	case isConditionFailed(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("put %s: %w", what, err)
	}
	return true, nil
}

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
