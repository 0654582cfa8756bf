package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AllowRequest counts one request of a tenant in the second that starts at
// second, and reports whether it is within limit: a fixed one-second window,
// T#<tid> / RATE#<unix second>, one conditional update, gone by TTL a
// minute later.
func (s *Store) AllowRequest(ctx context.Context, tenantID string, second time.Time, limit int) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), "RATE#"+strconv.FormatInt(second.Unix(), 10)),
		UpdateExpression:         aws.String("ADD requests :one SET #ttl = :ttl, #type = :type"),
		ConditionExpression:      aws.String("attribute_not_exists(requests) OR requests < :limit"),
		ExpressionAttributeNames: map[string]string{"#ttl": Table.TTLAttribute, "#type": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":limit": num(limit), ":ttl": num64(second.Add(time.Minute).Unix()), ":type": str(TypeRateCount),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("count a request of %s: %w", tenantID, err)
	}
	return true, nil
}
