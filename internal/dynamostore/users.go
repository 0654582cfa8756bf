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

func userSK(partnerID, userID string) string { return "P#" + partnerID + "#U#" + userID }

type userRecord struct {
	keys
	Type         string       `dynamodbav:"type"`
	ID           string       `dynamodbav:"id"`
	TenantID     string       `dynamodbav:"tenant_id"`
	PartnerID    string       `dynamodbav:"partner_id"`
	FirstName    string       `dynamodbav:"first_name,omitempty"`
	LastName     string       `dynamodbav:"last_name,omitempty"`
	Email        string       `dynamodbav:"email"`
	JobTitle     string       `dynamodbav:"job_title,omitempty"`
	Phone        string       `dynamodbav:"phone,omitempty"`
	Role         string       `dynamodbav:"role"`
	Status       string       `dynamodbav:"status"`
	InvitationID string       `dynamodbav:"invitation_id"`
	Sub          string       `dynamodbav:"cognito_sub,omitempty"`
	MovedFrom    string       `dynamodbav:"moved_from,omitempty"`
	TTL          int64        `dynamodbav:"ttl,omitempty"`
	BouncedAt    *time.Time   `dynamodbav:"email_bounced_at,omitempty"`
	ComplainedAt *time.Time   `dynamodbav:"email_complained_at,omitempty"`
	ResetAt      *time.Time   `dynamodbav:"password_reset_at,omitempty"`
	CreatedAt    time.Time    `dynamodbav:"created_at"`
	UpdatedAt    time.Time    `dynamodbav:"updated_at"`
	ChangedBy    *actorRecord `dynamodbav:"changed_by,omitempty"`
}

func newUserRecord(u partners.PartnerUser) userRecord {
	return userRecord{
		keys: keys{PK: tenantPK(u.TenantID), SK: userSK(u.PartnerID, u.ID)}, Type: TypePartnerUser,
		ID: u.ID, TenantID: u.TenantID, PartnerID: u.PartnerID, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, JobTitle: u.JobTitle, Phone: u.Phone, Role: u.Role, Status: string(u.Status),
		InvitationID: u.InvitationID, Sub: u.Sub, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		MovedFrom: u.MovedFrom, TTL: unixOrZero(u.PurgeAt),
		ChangedBy: newActorRecord(u.ChangedBy), BouncedAt: timePtr(u.EmailBouncedAt), ComplainedAt: timePtr(u.EmailComplainedAt),
		ResetAt: timePtr(u.PasswordResetAt),
	}
}

func (r userRecord) domain() partners.PartnerUser {
	return partners.PartnerUser{
		ID: r.ID, TenantID: r.TenantID, PartnerID: r.PartnerID, FirstName: r.FirstName, LastName: r.LastName,
		Email: r.Email, JobTitle: r.JobTitle, Phone: r.Phone, Role: r.Role, Status: partners.UserStatus(r.Status),
		InvitationID: r.InvitationID, Sub: r.Sub, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		MovedFrom: r.MovedFrom, PurgeAt: unixTime(r.TTL),
		ChangedBy: r.ChangedBy.domain(), EmailBouncedAt: timeOf(r.BouncedAt), EmailComplainedAt: timeOf(r.ComplainedAt),
		PasswordResetAt: timeOf(r.ResetAt),
	}
}

// GetUser returns a partner user.
func (s *Store) GetUser(ctx context.Context, tenantID, partnerID, userID string) (partners.PartnerUser, error) {
	var r userRecord
	if err := s.get(ctx, tenantPK(tenantID), userSK(partnerID, userID), "user "+userID, &r); err != nil {
		return partners.PartnerUser{}, err
	}
	return r.domain(), nil
}

// ListUsers returns a partner's users, oldest first.
func (s *Store) ListUsers(ctx context.Context, tenantID, partnerID string, f partners.UserFilter, position string, limit int) ([]partners.PartnerUser, string, error) {
	prefix := userSK(partnerID, "")
	q := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tenantID)), ":prefix": str(prefix),
		},
	}
	q.ExpressionAttributeNames = map[string]string{"#status": "status"}
	if f.Status != "" {
		q.FilterExpression = aws.String("#status = :status")
		q.ExpressionAttributeValues[":status"] = str(string(f.Status))
	} else {
		q.FilterExpression = aws.String("#status <> :removed") // removed users only when asked for
		q.ExpressionAttributeValues[":removed"] = str(string(partners.UserRemoved))
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantSKPrefix: prefix}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list users of %s: %w", partnerID, err)
	}
	out, err := decodeList[userRecord](items, "users of "+partnerID)
	return out, next, err
}
