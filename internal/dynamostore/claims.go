package dynamostore

import (
	"context"

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
