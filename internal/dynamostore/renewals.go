package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// RecordRenewalRequest sets renewal_requested_at unless a request was
// recorded after notBefore.
func (s *Store) RecordRenewalRequest(ctx context.Context, tenantID, invitationID string, at, notBefore time.Time) error {
	atAV, err := attributevalue.Marshal(at)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 keyOf(tenantPK(tenantID), invitationSK(invitationID)),
		UpdateExpression:    aws.String("SET renewal_requested_at = :at, renewal_ms = :ms"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(renewal_ms) OR renewal_ms < :since)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": atAV, ":ms": num64(at.UnixMilli()), ":since": num64(notBefore.UnixMilli()),
		},
	})
	if err := conditionFailed(err, partners.ConflictRenewalRecent, invitationID); err != nil {
		return fmt.Errorf("record renewal request on %s: %w", invitationID, err)
	}
	return nil
}
