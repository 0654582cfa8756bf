package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// PartnerPeople returns a partner's users (id, status, latest invitation,
// last change) and the latest invitation of each invited user (status,
// expiry, last change): what the partner's counts are made of. The users
// are one query of the partner's own key range; the invitations are read
// in batches of 100, only for users still invited.
func (s *Store) PartnerPeople(ctx context.Context, tenantID, partnerID string) ([]partners.PartnerUser, []partners.Invitation, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(userSK(partnerID, ""))},
		ProjectionExpression:      aws.String("id, #status, invitation_id, updated_at"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ConsistentRead:            aws.Bool(true),
	})
	var users []partners.PartnerUser
	var keys []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read users of %s: %w", partnerID, err)
		}
		var records []userRecord
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &records); err != nil {
			return nil, nil, fmt.Errorf("decode users of %s: %w", partnerID, err)
		}
		for _, r := range records {
			u := partners.PartnerUser{ID: r.ID, Status: partners.UserStatus(r.Status), InvitationID: r.InvitationID, UpdatedAt: r.UpdatedAt}
			users = append(users, u)
			if u.Status == partners.UserInvited && u.InvitationID != "" {
				keys = append(keys, keyOf(tenantPK(tenantID), invitationSK(u.InvitationID)))
			}
		}
	}
	var invitations []partners.Invitation
	for len(keys) > 0 {
		n := min(len(keys), 100)
		items, err := s.batchGetProjected(ctx, keys[:n], "id, #status, expires_at, updated_at")
		if err != nil {
			return nil, nil, fmt.Errorf("read invitations of %s: %w", partnerID, err)
		}
		var records []invitationRecord
		if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
			return nil, nil, fmt.Errorf("decode invitations of %s: %w", partnerID, err)
		}
		for _, r := range records {
			invitations = append(invitations, partners.Invitation{ID: r.ID, Status: partners.InvitationStatus(r.Status), ExpiresAt: r.ExpiresAt, UpdatedAt: r.UpdatedAt})
		}
		keys = keys[n:]
	}
	return users, invitations, nil
}

// batchGetProjected is batchGet of some attributes only (all when
// projection is empty; "#status" stands for status).
func (s *Store) batchGetProjected(ctx context.Context, keys []map[string]types.AttributeValue, projection string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	ka := types.KeysAndAttributes{Keys: keys, ConsistentRead: aws.Bool(true)}
	if projection != "" {
		ka.ProjectionExpression = aws.String(projection)
		ka.ExpressionAttributeNames = map[string]string{"#status": "status"}
	}
	request := map[string]types.KeysAndAttributes{s.table: ka}
	for attempt := 0; len(request) > 0; attempt++ {
		if attempt > 10 {
			return nil, fmt.Errorf("batch get: keys still unprocessed after %d attempts", attempt)
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		out = append(out, res.Responses[s.table]...)
		request = res.UnprocessedKeys
	}
	return out, nil
}
