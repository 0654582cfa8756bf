package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Send counts live in the tenant's partition, one item per window:
// T#<tid> / SENDS#H#<hour> for the tenant's hour, and
// T#<tid> / SENDS#R#<day>#<email> for an address's day. Each dies by TTL a
// day after its window.
func tenantSendsSK(hour time.Time) string { return "SENDS#H#" + hour.UTC().Format("2006010215") }
func recipientSendsSK(email string, day time.Time) string {
	return "SENDS#R#" + day.UTC().Format("20060102") + "#" + email
}

// reserve adds n to a window's count unless that passes limit: one
// conditional update, so concurrent requests never overshoot together.
func (s *Store) reserve(ctx context.Context, tenantID, sk string, n, limit int, expires time.Time) (bool, error) {
	return s.reserveCount(ctx, tenantID, sk, TypeSendCount, n, limit, expires)
}

// reserveCount is reserve for a count of any type.
func (s *Store) reserveCount(ctx context.Context, tenantID, sk, typ string, n, limit int, expires time.Time) (bool, error) {
	if n > limit {
		return false, nil
	}
	// A count runs beside the request's admission, and is given back if the
	// request is refused (partners.Admission).
	_, err := s.db.UpdateItem(partners.WithoutAdmission(ctx), &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), sk),
		UpdateExpression:    aws.String("ADD sends :n SET #type = :type, #ttl = :ttl"),
		ConditionExpression: aws.String("attribute_not_exists(sends) OR sends <= :room"),
		ExpressionAttributeNames: map[string]string{
			"#type": "type", "#ttl": Table.TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": num(n), ":room": num(limit - n), ":type": str(typ), ":ttl": num64(expires.Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("count sends %s: %w", sk, err)
	}
	return true, nil
}

// ReserveTenantSends adds n to the tenant's hour, within limit.
func (s *Store) ReserveTenantSends(ctx context.Context, tenantID string, hour time.Time, n, limit int) (bool, error) {
	return s.reserve(ctx, tenantID, tenantSendsSK(hour), n, limit, hour.Add(25*time.Hour))
}

// ReserveRecipientSend adds one to an address's day, within limit.
func (s *Store) ReserveRecipientSend(ctx context.Context, tenantID, email string, day time.Time, limit int) (bool, error) {
	return s.reserve(ctx, tenantID, recipientSendsSK(email, day), 1, limit, day.Add(48*time.Hour))
}

func (s *Store) release(ctx context.Context, tenantID, sk string, n int) error {
	_, err := s.db.UpdateItem(partners.WithoutAdmission(ctx), &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), sk),
		UpdateExpression:          aws.String("ADD sends :n"),
		ConditionExpression:       aws.String("attribute_exists(sends)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(-n)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("give back sends %s: %w", sk, err)
	}
	return nil
}

// ReleaseTenantSends gives n back to the tenant's hour.
func (s *Store) ReleaseTenantSends(ctx context.Context, tenantID string, hour time.Time, n int) error {
	return s.release(ctx, tenantID, tenantSendsSK(hour), n)
}

// ReleaseRecipientSend gives one back to an address's day.
func (s *Store) ReleaseRecipientSend(ctx context.Context, tenantID, email string, day time.Time) error {
	return s.release(ctx, tenantID, recipientSendsSK(email, day), 1)
}
