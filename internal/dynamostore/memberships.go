package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func subPK(sub string) string { return "SUB#" + sub }
func membershipSK(tenantID, partnerID string) string {
	return "T#" + tenantID + "#P#" + partnerID
}

type membershipRecord struct {
	keys
	Type      string    `dynamodbav:"type"`
	Sub       string    `dynamodbav:"sub"`
	TenantID  string    `dynamodbav:"tenant_id"`
	PartnerID string    `dynamodbav:"partner_id"`
	UserID    string    `dynamodbav:"user_id"`
	Email     string    `dynamodbav:"email"`
	Role      string    `dynamodbav:"role"`
	Status    string    `dynamodbav:"membership_status,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

func newMembershipRecord(m partners.Membership) membershipRecord {
	return membershipRecord{
		keys: keys{PK: subPK(m.Sub), SK: membershipSK(m.TenantID, m.PartnerID)}, Type: TypeMembership,
		Sub: m.Sub, TenantID: m.TenantID, PartnerID: m.PartnerID, UserID: m.UserID, Email: m.Email, Role: m.Role, Status: string(m.Status), CreatedAt: m.CreatedAt,
	}
}

func (r membershipRecord) domain() partners.Membership {
	return partners.Membership{Sub: r.Sub, TenantID: r.TenantID, PartnerID: r.PartnerID, UserID: r.UserID, Email: r.Email, Role: r.Role, Status: partners.MembershipStatus(r.Status), CreatedAt: r.CreatedAt}
}

// AcceptInvitation writes the accepted invitation, the active user and the
// membership in one transaction, if the invitation is still pending with
// this token and issue.
func (s *Store) AcceptInvitation(ctx context.Context, inv partners.Invitation, user partners.PartnerUser, m partners.Membership) error {
	var t txn
	t.add(s.partnerOpenCheck(inv.TenantID, inv.PartnerID), partners.ConflictPartnerMissing, inv.PartnerID)
	err := s.putIn(&t, newInvitationRecord(inv), "#status = :pending AND send_seq = :seq AND token_hash = :hash",
		map[string]types.AttributeValue{":pending": str(string(partners.InvitationPending)), ":seq": num(inv.SendSeq), ":hash": str(inv.TokenHash)},
		partners.ConflictInvitationChanged, inv.ID)
	if err != nil {
		return err
	}
	err = s.putIn(&t, newUserRecord(user), "#status = :invited AND invitation_id = :inv",
		map[string]types.AttributeValue{":invited": str(string(partners.UserInvited)), ":inv": str(inv.ID)}, partners.ConflictUserChanged, user.ID)
	if err != nil {
		return err
	}
	if err := s.putIn(&t, newMembershipRecord(m), "", nil, "", ""); err != nil {
		return err
	}
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("accept invitation %s: %w", inv.ID, err)
	}
	return nil
}

// ListMemberships returns a login's memberships within a tenant.
func (s *Store) ListMemberships(ctx context.Context, sub, tenantID string) ([]partners.Membership, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(subPK(sub)), ":prefix": str("T#" + tenantID + "#P#"),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("query memberships of %s: %w", sub, err)
	}
	var records []membershipRecord
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &records); err != nil {
		return nil, fmt.Errorf("decode memberships of %s: %w", sub, err)
	}
	ms := make([]partners.Membership, 0, len(records))
	for _, r := range records {
		ms = append(ms, r.domain())
	}
	return ms, nil
}

// GetMembership returns the membership of a login in a tenant's partner.
func (s *Store) GetMembership(ctx context.Context, sub, tenantID, partnerID string) (partners.Membership, error) {
	var r membershipRecord
	if err := s.get(ctx, subPK(sub), membershipSK(tenantID, partnerID), "membership of "+sub, &r); err != nil {
		return partners.Membership{}, err
	}
	return r.domain(), nil
}
