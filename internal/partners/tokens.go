package partners

import (
	"fmt"
	"strings"

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
