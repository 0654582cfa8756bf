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

// (if asked for), then the claim, then the rest.
func (s *Store) invitationActions(n partners.NewInvitation) ([]types.TransactWriteItem, error) {
	var actions []types.TransactWriteItem
	if n.CheckPartner {
		actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: keyOf(tenantPK(n.Invitation.TenantID), partnerSK(n.Invitation.PartnerID)),
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}})
	}
	var records []any
	if n.Claim != nil {
		records = append(records, claimRecord{
			keys: keys{PK: tenantPK(n.Claim.TenantID), SK: claimSK(n.Claim.Email)}, Type: TypeEmailClaim,
			Email: n.Claim.Email, PartnerID: n.Claim.PartnerID, UserID: n.Claim.UserID,
		})
	}
	for _, r := range records {
		a, err := s.putNewAction(r)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	if n.NewUser {
		a, err := s.putNewAction(newUserRecord(n.User))
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	} else {
		item, err := attributevalue.MarshalMap(newUserRecord(n.User))
		if err != nil {
			return nil, fmt.Errorf("encode user: %w", err)
		}
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression:       aws.String("invitation_id = :prev AND #status = :invited"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":prev": str(n.PreviousInvitationID), ":invited": str(string(partners.UserInvited))},
		}})
	}
	for _, r := range []any{newInvitationRecord(n.Invitation), newTokenRecord(n.Token)} {
		a, err := s.putNewAction(r)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// CreateInvitation writes a NewInvitation in one transaction.
func (s *Store) CreateInvitation(ctx context.Context, n partners.NewInvitation) error {
	actions, err := s.invitationActions(n)
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	c := cancellation{claimAt: -1, partnerAt: -1}
	if n.CheckPartner {
		c.partnerAt = 0
	}
	if n.Claim != nil {
		c.claimAt = c.partnerAt + 1
	}
	return s.transactInvitation(ctx, actions, c, n.Invitation.PartnerID)
}

// CreatePartnerWithInvitation writes a partner and its contact's invitation
// in one transaction.
func (s *Store) CreatePartnerWithInvitation(ctx context.Context, p partners.Partner, n partners.NewInvitation) error {
	partnerPut, err := s.putNewAction(newPartnerRecord(p))
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	actions, err := s.invitationActions(n)
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	return s.transactInvitation(ctx, append([]types.TransactWriteItem{partnerPut}, actions...), cancellation{claimAt: 1, partnerAt: -1}, p.ID)
}

// cancellation says which actions of a transaction carry the conditions
// that callers tell apart (-1: none).
type cancellation struct {
	claimAt   int // the email claim: ErrEmailClaimed
	partnerAt int // the partner's existence: NotFound
}

// transactInvitation runs the writes, turning a failed claim or partner
// condition into ErrEmailClaimed or NotFound, and any other cancellation into
// Conflict.
func (s *Store) transactInvitation(ctx context.Context, actions []types.TransactWriteItem, c cancellation, partnerID string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		failed := func(i int) bool {
			return i >= 0 && i < len(tce.CancellationReasons) && aws.ToString(tce.CancellationReasons[i].Code) == "ConditionalCheckFailed"
		}
		switch {
		case failed(c.partnerAt):
			return partners.Errorf(partners.NotFound, "No partner %s.", partnerID)
		case failed(c.claimAt):
			return partners.ErrEmailClaimed
		}
		return partners.Errorf(partners.Conflict, "The invitation conflicts with a concurrent change.")
	}
	if err != nil {
		return fmt.Errorf("write invitation: %w", err)
	}
	return nil
}

// ReissueInvitation writes a reissued invitation, its new token and the user.
func (s *Store) ReissueInvitation(ctx context.Context, prev, next partners.Invitation, token partners.Token, user *partners.PartnerUser) error {
	item, err := attributevalue.MarshalMap(newInvitationRecord(next))
	if err != nil {
		return fmt.Errorf("encode invitation: %w", err)
	}
	actions := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("send_seq = :seq AND #status = :pending"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(prev.SendSeq), ":pending": str(string(partners.InvitationPending))},
	}}}
	tokenPut, err := s.putNewAction(newTokenRecord(token))
	if err != nil {
		return err
	}
	actions = append(actions, tokenPut)
	if user != nil {
		userItem, err := attributevalue.MarshalMap(newUserRecord(*user))
		if err != nil {
			return fmt.Errorf("encode user: %w", err)
		}
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: userItem,
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}})
	}
	return s.transactInvitation(ctx, actions, cancellation{claimAt: -1, partnerAt: -1}, prev.PartnerID)
}

// CreateInvitations writes several new invitations in one transaction (at
// most 25: four actions each, within DynamoDB's 100). If any email has been
// claimed meanwhile, nothing is written (ErrEmailClaimed).
func (s *Store) CreateInvitations(ctx context.Context, batch []partners.NewInvitation) error {
	var actions []types.TransactWriteItem
	claimed := false
	for _, n := range batch {
		a, err := s.invitationActions(n)
		if err != nil {
			return fmt.Errorf("create invitations: %w", err)
		}
		claimed = claimed || n.Claim != nil
		actions = append(actions, a...)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	if cancelledByCondition(err) && claimed {
		return partners.ErrEmailClaimed
	}
	if err != nil {
		return fmt.Errorf("create %d invitations: %w", len(batch), err)
	}
	return nil
}
