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
	// Four writers at once: DynamoDB Local answers a batch in tens of
	// milliseconds, most of it waiting.
	const writers = 4
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			var err error
			for start := w * 25; start < len(invs) && err == nil; start += writers * 25 {
				err = s.putBatch(ctx, invs[start:min(start+25, len(invs))])
			}
			errs <- err
		}()
	}
	var first error
	for range writers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// putBatch writes up to 25 invitations with one BatchWriteItem, and again
// what it left unprocessed.
func (s *Store) putBatch(ctx context.Context, invs []partners.Invitation) error {
	var reqs []types.WriteRequest
	for _, inv := range invs {
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
	return nil
}
