package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// ExpiryShards is how many partitions GSI2 (pending invitations by expiry)
// is spread over.
func (s *Store) ExpiryShards() int { return pendingShards }

// expiryPosition is where a shard's sweep stopped.
type expiryPosition struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI2PK string `json:"g2pk"`
	GSI2SK string `json:"g2sk"`
}

// ListOverdue queries one shard of GSI2 for the invitations whose expiry is
// at or before now: the key condition reads only those, so a run reads in
// proportion to what is overdue, not to the table.
func (s *Store) ListOverdue(ctx context.Context, shard int, now time.Time, position string, limit int) ([]partners.Invitation, string, int, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String("GSI2"),
		KeyConditionExpression: aws.String("GSI2PK = :shard AND GSI2SK < :after"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":shard": str("PENDING#" + strconv.Itoa(shard)),
			// Every key of an invitation expiring at or before now sorts
			// before now's time followed by "$" ('#' < '$').
			":after": str(now.UTC().Format(sortableTime) + "$"),
		},
		Limit: aws.Int32(int32(limit)),
	}
	if position != "" {
		var p expiryPosition
		if err := json.Unmarshal([]byte(position), &p); err != nil {
			return nil, "", 0, fmt.Errorf("bad expiry position: %w", err)
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{"PK": str(p.PK), "SK": str(p.SK), "GSI2PK": str(p.GSI2PK), "GSI2SK": str(p.GSI2SK)}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", 0, fmt.Errorf("query overdue of shard %d: %w", shard, err)
	}
	invs, err := decodeList[invitationRecord](out.Items, "overdue invitations")
	if err != nil {
		return nil, "", 0, err
	}
	next := ""
	if k := out.LastEvaluatedKey; k != nil {
		b, _ := json.Marshal(expiryPosition{PK: sOf(k["PK"]), SK: sOf(k["SK"]), GSI2PK: sOf(k["GSI2PK"]), GSI2SK: sOf(k["GSI2SK"])})
		next = string(b)
	}
	return invs, next, int(out.ScannedCount), nil
}

// MarkExpired marks an invitation expired, if it is still pending at the
// same issue and its expiry has passed: an accept, resend or revoke that
// came first wins, and a second run finds nothing to do.
func (s *Store) MarkExpired(ctx context.Context, inv partners.Invitation) error {
	err := s.endInvitation(ctx, inv, "", "#status = :pending AND send_seq = :seq AND expires_ms <= :now",
		map[string]types.AttributeValue{":now": num64(inv.UpdatedAt.UnixMilli())})
	if err != nil {
		return fmt.Errorf("mark %s expired: %w", inv.ID, err)
	}
	return nil
}
