package dynamostore

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The transactions that create and reissue invitations. Each conditional
// action says, where it is built, what its failed condition means.

// putIn adds a Put of record to t under cond (none if empty), whose failure
// means reason. A condition names the status attribute #status.
func (s *Store) putIn(t *txn, record any, cond string, values map[string]types.AttributeValue, reason partners.ConflictReason, key string) error {
	item, err := attributevalue.MarshalMap(record)
	if err != nil {
		return fmt.Errorf("encode %T: %w", record, err)
	}
	put := &types.Put{TableName: aws.String(s.table), Item: item}
	if cond != "" {
		put.ConditionExpression = aws.String(cond)
		put.ExpressionAttributeValues = values
		if strings.Contains(cond, "#status") {
			put.ExpressionAttributeNames = map[string]string{"#status": "status"}
		}
	}
	t.add(types.TransactWriteItem{Put: put}, reason, key)
	return nil
}

// putNewIn adds an action that creates an item, failing with reason if it exists.
func (s *Store) putNewIn(t *txn, record any, reason partners.ConflictReason, key string) error {
	return s.putIn(t, record, "attribute_not_exists(PK)", nil, reason, key)
}

// invitationTxn is the writes of a NewInvitation: the partner check (if
// asked for), the claim (for a new email), the user, the invitation and
// its token — in that order, which is the order a failure is reported in.
func (s *Store) invitationTxn(n partners.NewInvitation) (txn, error) {
	var t txn
	inv := n.Invitation
	if n.CheckPartner {
		t.add(s.partnerOpenCheck(inv.TenantID, inv.PartnerID), partners.ConflictPartnerMissing, inv.PartnerID)
	}
	if c := n.Claim; c != nil {
		claim := claimRecord{
			keys: keys{PK: tenantPK(c.TenantID), SK: claimSK(c.Email)}, Type: TypeEmailClaim,
			Email: c.Email, PartnerID: c.PartnerID, UserID: c.UserID,
		}
		if err := s.putNewIn(&t, claim, partners.ConflictEmailClaimed, c.Email); err != nil {
			return txn{}, err
		}
	}
	if n.NewUser {
		if err := s.putNewIn(&t, newUserRecord(n.User), partners.ConflictUserChanged, n.User.ID); err != nil {
			return txn{}, err
		}
	} else {
		err := s.putIn(&t, newUserRecord(n.User), "invitation_id = :prev AND #status = :invited",
			map[string]types.AttributeValue{":prev": str(n.PreviousInvitationID), ":invited": str(string(partners.UserInvited))},
			partners.ConflictUserChanged, n.User.ID)
		if err != nil {
			return txn{}, err
		}
		// The invitation being replaced must not have been reissued since it
		// was read: a resend of it racing this re-invite would leave two
		// live links for one person.
		t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: keyOf(tenantPK(inv.TenantID), invitationSK(n.PreviousInvitationID)),
			ConditionExpression:       aws.String("send_seq = :seq"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(n.PreviousSendSeq)},
		}}, partners.ConflictInvitationChanged, n.PreviousInvitationID)
	}
	if err := s.putNewIn(&t, newInvitationRecord(inv), partners.ConflictItemExists, inv.ID); err != nil {
		return txn{}, err
	}
	if err := s.putNewIn(&t, newTokenRecord(n.Token), partners.ConflictItemExists, "token of "+inv.ID); err != nil {
		return txn{}, err
	}
	return t, nil
}

// CreateInvitation writes a NewInvitation in one transaction.
func (s *Store) CreateInvitation(ctx context.Context, n partners.NewInvitation) error {
	t, err := s.invitationTxn(n)
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("create invitation %s: %w", n.Invitation.ID, err)
	}
	return nil
}

// CreateInvitations writes several new invitations in one transaction (at
// most 25: four actions each, within DynamoDB's 100). If any condition
// fails — an email claimed meanwhile — nothing is written.
func (s *Store) CreateInvitations(ctx context.Context, batch []partners.NewInvitation) error {
	var all txn
	for _, n := range batch {
		t, err := s.invitationTxn(n)
		if err != nil {
			return fmt.Errorf("create invitations: %w", err)
		}
		all.addAll(t)
	}
	if err := s.transact(ctx, all); err != nil {
		return fmt.Errorf("create %d invitations: %w", len(batch), err)
	}
	return nil
}

// CreatePartnerWithInvitation writes a partner and its contact's invitation
// in one transaction.
func (s *Store) CreatePartnerWithInvitation(ctx context.Context, p partners.Partner, n partners.NewInvitation) error {
	var t txn
	if err := s.putNewIn(&t, newPartnerRecord(p), partners.ConflictPartnerExists, p.ID); err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	inv, err := s.invitationTxn(n)
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	t.addAll(inv)
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("create partner %s: %w", p.ID, err)
	}
	return nil
}

// ReissueInvitation writes a reissued invitation, its new token and the user.
func (s *Store) ReissueInvitation(ctx context.Context, prev, next partners.Invitation, token partners.Token, user *partners.PartnerUser) error {
	var t txn
	// A closed partner (inactive, rejected, without portal access) gets no
	// new link mailed, whatever path asks (resend, renewal, re-invite).
	t.add(s.partnerOpenCheck(next.TenantID, next.PartnerID), partners.ConflictPartnerMissing, next.PartnerID)
	// An expired invitation may be reissued too, whether or not the expiry
	// schedule has marked it yet.
	err := s.putIn(&t, newInvitationRecord(next), "send_seq = :seq AND #status IN (:pending, :expired)",
		map[string]types.AttributeValue{
			":seq": num(prev.SendSeq), ":pending": str(string(partners.InvitationPending)), ":expired": str(string(partners.InvitationExpired)),
		},
		partners.ConflictInvitationChanged, prev.ID)
	if err != nil {
		return err
	}
	if err := s.putNewIn(&t, newTokenRecord(token), partners.ConflictItemExists, "token of "+prev.ID); err != nil {
		return err
	}
	// The user must still be invited on this invitation: an invitation that
	// a newer one replaced for the same person must not come back to life.
	stillTheirs := "invitation_id = :inv AND #status = :invited"
	userValues := map[string]types.AttributeValue{":inv": str(prev.ID), ":invited": str(string(partners.UserInvited))}
	if user != nil {
		if err := s.putIn(&t, newUserRecord(*user), stillTheirs, userValues, partners.ConflictUserChanged, user.ID); err != nil {
			return err
		}
	} else {
		t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: keyOf(tenantPK(prev.TenantID), userSK(prev.PartnerID, prev.UserID)),
			ConditionExpression:       aws.String(stillTheirs),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: userValues,
		}}, partners.ConflictUserChanged, prev.UserID)
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("reissue invitation %s: %w", prev.ID, err)
	}
	return nil
}
