package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func claimSK(email string) string { return "E#" + email }

type claimRecord struct {
	keys
	Type      string `dynamodbav:"type"`
	Email     string `dynamodbav:"email"`
	PartnerID string `dynamodbav:"partner_id"`
	UserID    string `dynamodbav:"user_id"`
}

// GetEmailClaim returns the claim on a normalised email.
func (s *Store) GetEmailClaim(ctx context.Context, tenantID, email string) (partners.EmailClaim, error) {
	var r claimRecord
	if err := s.get(ctx, tenantPK(tenantID), claimSK(email), "claim on "+email, &r); err != nil {
		return partners.EmailClaim{}, err
	}
	return partners.EmailClaim{TenantID: tenantID, Email: r.Email, PartnerID: r.PartnerID, UserID: r.UserID}, nil
}

// PurgeNeverActivated deletes, in one transaction, the partner user of an
// invitation the table purged and their claim on its email — if the user
// never activated and that invitation was still their latest. A user who
// was invited again, or who activated, keeps both: the conditions fail and
// nothing is deleted.
func (s *Store) PurgeNeverActivated(ctx context.Context, inv partners.Invitation) error {
	var t txn
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(inv.TenantID), userSK(inv.PartnerID, inv.UserID)),
		ConditionExpression:       aws.String("#status = :invited AND invitation_id = :inv"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":invited": str(string(partners.UserInvited)), ":inv": str(inv.ID)},
	}}, partners.ConflictUserChanged, inv.UserID)
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(inv.TenantID), claimSK(partners.NormalizeEmail(inv.Email))),
		ConditionExpression:       aws.String("user_id = :user"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":user": str(inv.UserID)},
	}}, partners.ConflictUserChanged, inv.UserID)
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("purge the user of %s: %w", inv.ID, err)
	}
	return nil
}
