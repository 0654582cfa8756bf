package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func invitationSK(invitationID string) string  { return "I#" + invitationID }
func invitationsGSI1PK(tenantID string) string { return "T#" + tenantID + "#INVITATIONS" }

func pendingGSI2PK(invitationID string) string {
	return "PENDING#" + strconv.Itoa(shardOf(invitationID))
}
func pendingGSI2SK(inv partners.Invitation) string {
	return inv.ExpiresAt.UTC().Format(sortableTime) + "#" + inv.TenantID + "#" + inv.ID
}

const (
	// sortableTime sorts as text in time order (fixed width, UTC).
	sortableTime = "2006-01-02T15:04:05.000Z"
	// pendingShards spreads the pending-by-expiry index over partitions.
	pendingShards = 10
)

func shardOf(id string) int {
	h := 0
	for _, c := range id {
		h = (h*31 + int(c)) % pendingShards
	}
	return h
}

type invitationRecord struct {
	keys
	GSI2PK      string       `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK      string       `dynamodbav:"GSI2SK,omitempty"`
	Type        string       `dynamodbav:"type"`
	ID          string       `dynamodbav:"id"`
	TenantID    string       `dynamodbav:"tenant_id"`
	PartnerID   string       `dynamodbav:"partner_id"`
	UserID      string       `dynamodbav:"user_id"`
	Email       string       `dynamodbav:"email"`
	EmailNorm   string       `dynamodbav:"email_normalized"`
	Role        string       `dynamodbav:"role"`
	Status      string       `dynamodbav:"status"`
	TokenHash   string       `dynamodbav:"token_hash"`
	ExpiresAt   time.Time    `dynamodbav:"expires_at"`
	ExpiresMS   int64        `dynamodbav:"expires_ms"`
	InvitedBy   string       `dynamodbav:"invited_by,omitempty"`
	InviterName string       `dynamodbav:"inviter_name,omitempty"`
	RedirectURL string       `dynamodbav:"redirect_url,omitempty"`
	Template    string       `dynamodbav:"template,omitempty"`
	SendSeq     int          `dynamodbav:"send_seq"`
	Vouched     bool         `dynamodbav:"tenant_verified_email,omitempty"`
	SealedToken string       `dynamodbav:"sealed_token,omitempty"`
	ResentAt    []time.Time  `dynamodbav:"resent_at,omitempty"`
	CreatedAt   time.Time    `dynamodbav:"created_at"`
	UpdatedAt   time.Time    `dynamodbav:"updated_at"`
	AcceptedAt  *time.Time   `dynamodbav:"accepted_at,omitempty"`
	RevokedAt   *time.Time   `dynamodbav:"revoked_at,omitempty"`
	DeclinedAt  *time.Time   `dynamodbav:"declined_at,omitempty"`
	RenewalAt   *time.Time   `dynamodbav:"renewal_requested_at,omitempty"`
	ChangedBy   *actorRecord `dynamodbav:"changed_by,omitempty"`
	TTL         int64        `dynamodbav:"ttl,omitempty"`
	deliveryRecord
}

func newInvitationRecord(inv partners.Invitation) invitationRecord {
	r := invitationRecord{
		keys: keys{
			PK: tenantPK(inv.TenantID), SK: invitationSK(inv.ID),
			GSI1PK: invitationsGSI1PK(inv.TenantID), GSI1SK: inv.ID,
		},
		Type: TypeInvitation, ID: inv.ID, TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: inv.UserID,
		Email: inv.Email, EmailNorm: partners.NormalizeEmail(inv.Email), Role: inv.Role, Status: string(inv.Status),
		TokenHash: inv.TokenHash, ExpiresAt: inv.ExpiresAt, ExpiresMS: inv.ExpiresAt.UnixMilli(),
		InvitedBy: inv.InvitedBy, InviterName: inv.InviterName, RedirectURL: inv.RedirectURL, Template: inv.Template,
		SendSeq: inv.SendSeq, SealedToken: inv.SealedToken, ResentAt: inv.ResentAt, Vouched: inv.TenantVerifiedEmail,
		CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt,
		AcceptedAt: timePtr(inv.AcceptedAt), RevokedAt: timePtr(inv.RevokedAt), DeclinedAt: timePtr(inv.DeclinedAt), RenewalAt: timePtr(inv.RenewalRequestedAt),
		ChangedBy:      newActorRecord(inv.ChangedBy),
		TTL:            unixOrZero(inv.PurgeAt),
		deliveryRecord: newDeliveryRecord(inv.Delivery),
	}
	if inv.Status == partners.InvitationPending {
		r.GSI2PK, r.GSI2SK = pendingGSI2PK(inv.ID), pendingGSI2SK(inv)
	}
	return r
}

func (r invitationRecord) domain() partners.Invitation {
	return partners.Invitation{
		ID: r.ID, TenantID: r.TenantID, PartnerID: r.PartnerID, UserID: r.UserID, Email: r.Email, Role: r.Role,
		Status: partners.InvitationStatus(r.Status), TokenHash: r.TokenHash, ExpiresAt: r.ExpiresAt,
		InvitedBy: r.InvitedBy, InviterName: r.InviterName, RedirectURL: r.RedirectURL, Template: r.Template,
		SendSeq: r.SendSeq, SealedToken: r.SealedToken, ResentAt: r.ResentAt, TenantVerifiedEmail: r.Vouched,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, AcceptedAt: timeOf(r.AcceptedAt), RevokedAt: timeOf(r.RevokedAt), DeclinedAt: timeOf(r.DeclinedAt),
		RenewalRequestedAt: timeOf(r.RenewalAt), ChangedBy: r.ChangedBy.domain(), PurgeAt: unixTime(r.TTL),
		Delivery: r.deliveryRecord.domain(),
	}
}

// GetInvitation returns an invitation of a tenant.
func (s *Store) GetInvitation(ctx context.Context, tenantID, invitationID string) (partners.Invitation, error) {
	var r invitationRecord
	if err := s.get(ctx, tenantPK(tenantID), invitationSK(invitationID), "invitation "+invitationID, &r); err != nil {
		return partners.Invitation{}, err
	}
	return r.domain(), nil
}

// RevokeInvitation marks an invitation revoked (pending or expired, at the
// same issue) and drops its sealed token.
func (s *Store) RevokeInvitation(ctx context.Context, inv partners.Invitation) error {
	err := s.endInvitation(ctx, inv, "revoked_at", "send_seq = :seq AND #status IN (:pending, :expired)",
		map[string]types.AttributeValue{":expired": str(string(partners.InvitationExpired))})
	if err != nil {
		return fmt.Errorf("revoke invitation %s: %w", inv.ID, err)
	}
	return nil
}

// ListInvitations queries GSI1 newest first. The status filter is computed
// at now: pending means pending and not yet expired; expired includes
// pending invitations past their expiry that nothing has marked yet.
func (s *Store) ListInvitations(ctx context.Context, tenantID string, f partners.InvitationFilter, now time.Time, position string, limit int) ([]partners.Invitation, string, error) {
	q := s.newestFirst(invitationsGSI1PK(tenantID))
	var filters []string
	names := map[string]string{}
	if f.Status != "" {
		names["#status"] = "status"
		values := q.ExpressionAttributeValues
		values[":pending"] = str(string(partners.InvitationPending))
		values[":now"] = num64(now.UnixMilli())
		switch f.Status {
		case partners.InvitationPending:
			filters = append(filters, "(#status = :pending AND expires_ms > :now)")
		case partners.InvitationExpired:
			values[":expired"] = str(string(partners.InvitationExpired))
			filters = append(filters, "(#status = :expired OR (#status = :pending AND expires_ms <= :now))")
		default:
			delete(values, ":now")
			delete(values, ":pending")
			values[":status"] = str(string(f.Status))
			filters = append(filters, "#status = :status")
		}
	}
	if f.PartnerID != "" {
		filters = append(filters, "partner_id = :partner")
		q.ExpressionAttributeValues[":partner"] = str(f.PartnerID)
	}
	if f.Email != "" {
		filters = append(filters, "email_normalized = :email")
		q.ExpressionAttributeValues[":email"] = str(f.Email)
	}
	if len(filters) > 0 {
		q.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if len(names) > 0 {
		q.ExpressionAttributeNames = names
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantGSI1PK: invitationsGSI1PK(tenantID)}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list invitations of %s: %w", tenantID, err)
	}
	out, err := decodeList[invitationRecord](items, "invitations of "+tenantID)
	return out, next, err
}

// DeclineInvitation marks an invitation declined by its invitee, if it is
// still pending with this token and issue: a resend or revoke that came
// first wins (ConflictInvitationChanged).
func (s *Store) DeclineInvitation(ctx context.Context, inv partners.Invitation) error {
	err := s.endInvitation(ctx, inv, "declined_at", "#status = :pending AND send_seq = :seq AND token_hash = :hash",
		map[string]types.AttributeValue{":hash": str(inv.TokenHash)})
	if err != nil {
		return fmt.Errorf("decline invitation %s: %w", inv.ID, err)
	}
	return nil
}
