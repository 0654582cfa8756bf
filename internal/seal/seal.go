// Package seal encrypts small values that must not rest or travel in plain
// text — list cursors, activation tokens on their way to the email sender,
// stored idempotent responses — with AES-256-GCM. Each purpose has its own
// key, derived with HKDF-SHA256 from the product's one secret (SECRET_KEY),
// so a value sealed for one purpose never opens for another.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// MasterKeyLen is the length of the product's secret.
const MasterKeyLen = 32

// ErrOpen is returned for anything that was not sealed by this box with this
// associated data.
var ErrOpen = errors.New("seal: cannot open")

// Box seals and opens values for one purpose.
type Box struct {
	aead cipher.AEAD
}

// ErrNoKey is what a function without SECRET_KEY meets when it tries to
// seal or open: only the functions that use the secret are given it.
var ErrNoKey = errors.New("seal: this function has no SECRET_KEY")

// New returns the box for a purpose, keyed from the master secret. With no
// secret at all it returns a box that refuses every use (Seal panics with
// ErrNoKey, Open returns it): a function that is not given SECRET_KEY, and
// should not need it.
func New(master []byte, purpose string) (*Box, error) {
	if len(master) == 0 {
		return &Box{}, nil
	}
	if len(master) != MasterKeyLen {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", MasterKeyLen, len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "partner-invites/"+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive %s key: %w", purpose, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext, binding it to the associated data, and returns
// base64url text (a random nonce, then the ciphertext and tag).
func (b *Box) Seal(plaintext, associated []byte) string {
	if b.aead == nil {
		panic(ErrNoKey) // a function's grants lack SECRET_KEY: a build defect
	}
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plaintext, associated))
}

// Open decrypts what Seal returned for the same associated data; ErrOpen
// for anything else.
func (b *Box) Open(sealed string, associated []byte) ([]byte, error) {
	if b.aead == nil {
		return nil, ErrNoKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():], associated)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// MAC signs values for one purpose (HMAC-SHA256 under a derived key).
type MAC struct {
	key []byte
}

// NewMAC returns the MAC for a purpose, keyed from the master secret.
func NewMAC(master []byte, purpose string) (*MAC, error) {
	if len(master) == 0 {
		return &MAC{}, nil // refuses every use, as New's box does
	}
	if len(master) != MasterKeyLen {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", MasterKeyLen, len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "partner-invites/mac/"+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive %s key: %w", purpose, err)
	}
	return &MAC{key: key}, nil
}

// Sum returns the MAC of data, base64url.
func (m *MAC) Sum(data string) string {
	if m.key == nil {
		panic(ErrNoKey) // a function's grants lack SECRET_KEY: a build defect
	}
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte(data))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Verify reports whether sum is the MAC of data, in constant time.
func (m *MAC) Verify(data, sum string) bool {
	if m.key == nil {
		return false
	}
	return hmac.Equal([]byte(m.Sum(data)), []byte(sum))
}
