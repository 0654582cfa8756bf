package dynamostore

import (
	"context"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func tokenPK(hash string) string { return "TOK#" + hash }

const (
	tokenSK = "TOK"
	// tokenRetention keeps a dead link's token after expiry, so that the link
	// can still say it expired rather than that it never existed.
	tokenRetention = 30 * 24 * time.Hour
)

type tokenRecord struct {
	keys
	Type         string    `dynamodbav:"type"`
	TenantID     string    `dynamodbav:"tenant_id"`
	InvitationID string    `dynamodbav:"invitation_id"`
	ExpiresAt    time.Time `dynamodbav:"expires_at"`
	TTL          int64     `dynamodbav:"ttl"`
}

func newTokenRecord(t partners.Token) tokenRecord {
	return tokenRecord{
		keys: keys{PK: tokenPK(t.Hash), SK: tokenSK}, Type: TypeToken,
		TenantID: t.TenantID, InvitationID: t.InvitationID, ExpiresAt: t.ExpiresAt,
		TTL: t.ExpiresAt.Add(tokenRetention).Unix(),
	}
}

// GetToken returns a token by hash, with a strongly consistent read: a link
// works the moment its invitation is written.
func (s *Store) GetToken(ctx context.Context, hash string) (partners.Token, error) {
	var r tokenRecord
	if err := s.get(ctx, tokenPK(hash), tokenSK, "token", &r); err != nil {
		return partners.Token{}, err
	}
	return partners.Token{Hash: hash, TenantID: r.TenantID, InvitationID: r.InvitationID, ExpiresAt: r.ExpiresAt}, nil
}
