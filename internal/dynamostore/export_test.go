package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// PutInvitationsForTest writes invitation items alone, 25 to a batch, the
// way the store encodes them: for tests that need many invitations and
// none of their other items.
func (s *Store) PutInvitationsForTest(ctx context.Context, invs []partners.Invitation) error {
	for start := 0; start < len(invs); start += 25 {
		var reqs []types.WriteRequest
		for _, inv := range invs[start:min(start+25, len(invs))] {
			item, err := attributevalue.MarshalMap(newInvitationRecord(inv))
			if err != nil {
				return err
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
		for len(reqs) > 0 {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
			if err != nil {
				return err
			}
			reqs = out.UnprocessedItems[s.table]
		}
	}
	return nil
}
