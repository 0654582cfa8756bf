package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The writes of portal access (partners/access.go): each is one
// transaction, conditional on the user being as the service read it.

// userUnchanged is the condition that a stored user is still prev.
func userUnchanged(prev partners.PartnerUser) (string, map[string]types.AttributeValue, error) {
	updated, err := attributevalue.Marshal(prev.UpdatedAt)
	if err != nil {
		return "", nil, err
	}
	return "#status = :prev_status AND updated_at = :prev_updated",
		map[string]types.AttributeValue{":prev_status": str(string(prev.Status)), ":prev_updated": updated}, nil
}

// SetUserAccess writes a user's new status or role with its membership,
// or with its pending invitation's role.
func (s *Store) SetUserAccess(ctx context.Context, prev, next partners.PartnerUser, m *partners.Membership, inv *partners.Invitation) error {
	var t txn
	cond, values, err := userUnchanged(prev)
	if err != nil {
		return err
	}
	if err := s.putIn(&t, newUserRecord(next), cond, values, partners.ConflictUserChanged, next.ID); err != nil {
		return err
	}
	if m != nil {
		if err := s.putIn(&t, newMembershipRecord(*m), "attribute_exists(PK)", nil, partners.ConflictUserChanged, next.ID); err != nil {
			return err
		}
	}
	if inv != nil {
		if err := s.pendingInvitationIn(&t, *inv); err != nil {
			return err
		}
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("set access of %s: %w", next.ID, err)
	}
	return nil
}

// pendingInvitationIn adds the write of a changed invitation that must
// still be pending at its issue.
func (s *Store) pendingInvitationIn(t *txn, inv partners.Invitation) error {
	return s.putIn(t, newInvitationRecord(inv), "#status = :pending AND send_seq = :seq",
		map[string]types.AttributeValue{":pending": str(string(partners.InvitationPending)), ":seq": num(inv.SendSeq)},
		partners.ConflictInvitationChanged, inv.ID)
}

// RemoveUser writes the user removed, and frees what it held: the claim on
// its email and its membership.
func (s *Store) RemoveUser(ctx context.Context, prev, removed partners.PartnerUser) error {
	var t txn
	cond, values, err := userUnchanged(prev)
	if err != nil {
		return err
	}
	if err := s.putIn(&t, newUserRecord(removed), cond, values, partners.ConflictUserChanged, removed.ID); err != nil {
		return err
	}
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(removed.TenantID), claimSK(partners.NormalizeEmail(removed.Email))),
		ConditionExpression:       aws.String("user_id = :user"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":user": str(removed.ID)},
	}}, partners.ConflictUserChanged, removed.ID)
	if prev.Sub != "" {
		t.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: keyOf(subPK(prev.Sub), membershipSK(prev.TenantID, prev.PartnerID)),
		}}, partners.ConflictUserChanged, removed.ID)
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("remove user %s: %w", removed.ID, err)
	}
	return nil
}

// MoveUser moves a user's item, claim, membership and pending invitation to
// another partner of the tenant, which must take people in.
func (s *Store) MoveUser(ctx context.Context, prev, moved partners.PartnerUser, m *partners.Membership, inv *partners.Invitation) error {
	var t txn
	t.add(s.partnerOpenCheck(moved.TenantID, moved.PartnerID), partners.ConflictPartnerMissing, moved.PartnerID)
	cond, values, err := userUnchanged(prev)
	if err != nil {
		return err
	}
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(prev.TenantID), userSK(prev.PartnerID, prev.ID)),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: values,
	}}, partners.ConflictUserChanged, prev.ID)
	if err := s.putNewIn(&t, newUserRecord(moved), partners.ConflictUserChanged, moved.ID); err != nil {
		return err
	}
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(moved.TenantID), claimSK(partners.NormalizeEmail(moved.Email))),
		UpdateExpression:          aws.String("SET partner_id = :to"),
		ConditionExpression:       aws.String("user_id = :user"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": str(moved.PartnerID), ":user": str(moved.ID)},
	}}, partners.ConflictUserChanged, moved.ID)
	if m != nil {
		t.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: keyOf(subPK(prev.Sub), membershipSK(prev.TenantID, prev.PartnerID)),
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}}, partners.ConflictUserChanged, moved.ID)
		if err := s.putIn(&t, newMembershipRecord(*m), "", nil, "", ""); err != nil {
			return err
		}
	}
	if inv != nil {
		if err := s.pendingInvitationIn(&t, *inv); err != nil {
			return err
		}
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("move user %s: %w", moved.ID, err)
	}
	return nil
}
