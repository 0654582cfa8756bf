package partners

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// TokenSealer seals an activation token for the email sender, bound to the
// invitation and the issue it belongs to, so that the raw token never rests
// in the table or travels in its stream in plain text.
type TokenSealer struct {
	box *seal.Box
}

// NewTokenSealer returns a TokenSealer keyed from the product's secret.
func NewTokenSealer(master []byte, older ...[]byte) (*TokenSealer, error) {
	box, err := seal.New(master, "activation-token", older...)
	if err != nil {
		return nil, err
	}
	return &TokenSealer{box: box}, nil
}

func tokenAAD(inv Invitation) []byte {
	return []byte(fmt.Sprintf("%s\x00%s\x00%d", inv.TenantID, inv.ID, inv.SendSeq))
}

// Seal seals a token for an invitation at its current SendSeq.
func (t *TokenSealer) Seal(inv Invitation, token string) string {
	return t.box.Seal([]byte(token), tokenAAD(inv))
}

// Open returns the token sealed for an invitation at its current SendSeq.
func (t *TokenSealer) Open(inv Invitation) (string, error) {
	token, err := t.box.Open(inv.SealedToken, tokenAAD(inv))
	if err != nil {
		return "", fmt.Errorf("open sealed token of %s: %w", inv.ID, err)
	}
	if HashToken(string(token)) != inv.TokenHash {
		return "", fmt.Errorf("sealed token of %s does not match its hash", inv.ID)
	}
	return string(token), nil
}

// ActivationURL is the link for a token.
func ActivationURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/activate/" + token
}

// tokenBytes is an activation token's entropy; tokenLength its length as
// typed in a link (base64url, no padding).
const (
	tokenBytes  = 32
	tokenLength = (tokenBytes*8 + 5) / 6
)

// Token is the stored side of an activation link: its hash and what it opens.
type Token struct {
	Hash         string
	TenantID     string
	InvitationID string
	ExpiresAt    time.Time
}

// newToken returns a fresh activation token: 32 random bytes, base64url.
func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of an activation token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ResolveToken returns the invitation an activation link opens: NotFound for
// a link we never made, Gone (with Details["reason"]: expired, revoked,
// accepted, declined, replaced) for one that is dead.
func (s *Service) ResolveToken(ctx context.Context, token string) (Invitation, error) {
	if len(token) != tokenLength {
		return Invitation{}, Errorf(NotFound, "This link is not valid.")
	}
	hash := HashToken(token)
	tok, err := s.Invitations.GetToken(ctx, hash)
	if IsKind(err, NotFound) {
		return Invitation{}, Errorf(NotFound, "This link is not valid.")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("get token: %w", err)
	}
	inv, err := s.Invitations.GetInvitation(ctx, tok.TenantID, tok.InvitationID)
	if err != nil {
		return Invitation{}, fmt.Errorf("get invitation of token: %w", err)
	}
	gone := func(reason, msg string) error {
		return &Error{Kind: Gone, Message: msg, Details: map[string]any{"reason": reason}}
	}
	switch {
	case inv.TokenHash != hash:
		return inv, gone("replaced", "This link was replaced by a newer one; use the link in the latest email.")
	case inv.StatusAt(timestamp(s.Clock)) == InvitationExpired:
		// An expired invitation may have been followed by a new one for the
		// same person: then this link is replaced, and must not be renewed.
		if replaced, err := s.replacedForUser(ctx, inv); err != nil {
			return Invitation{}, err
		} else if replaced {
			return inv, gone("replaced", "This link was replaced by a newer one; use the link in the latest email.")
		}
		return inv, gone("expired", "This link has expired.")
	case inv.Status == InvitationRevoked:
		return inv, gone("revoked", "This invitation was withdrawn.")
	case inv.Status == InvitationAccepted:
		return inv, gone("accepted", "This invitation was already accepted.")
	case inv.Status == InvitationDeclined:
		return inv, gone("declined", "This invitation was declined.")
	}
	return inv, nil
}
