package partners

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// Cursors seals list positions into opaque cursors. A cursor is encrypted and
// authenticated (AES-256-GCM) with the tenant and the query as associated
// data, so that a forged cursor, one from another tenant, or one from another
// query fails to open (Invalid, 400) instead of paging somewhere else.
type Cursors struct {
	aead cipher.AEAD
}

// NewCursors returns Cursors that seal with a 32-byte key.
func NewCursors(key []byte) (*Cursors, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("cursor key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	return &Cursors{aead: aead}, nil
}

// Seal returns the cursor for a store position within a tenant's query.
func (c *Cursors) Seal(tenantID, query, position string) string {
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	sealed := c.aead.Seal(nonce, nonce, []byte(position), associatedData(tenantID, query))
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// Open returns the store position of a cursor, or an Invalid error naming the
// cursor field if it was not sealed by us for this tenant and query.
func (c *Cursors) Open(tenantID, query, cursor string) (string, error) {
	invalid := InvalidField("cursor", "invalid_cursor", "cursor is not a cursor this list returned for these filters.")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < c.aead.NonceSize()+c.aead.Overhead() {
		return "", invalid
	}
	nonce, sealed := raw[:c.aead.NonceSize()], raw[c.aead.NonceSize():]
	position, err := c.aead.Open(nil, nonce, sealed, associatedData(tenantID, query))
	if err != nil {
		return "", invalid
	}
	return string(position), nil
}

func associatedData(tenantID, query string) []byte {
	return []byte(tenantID + "\x00" + query)
}
