// Package seal encrypts small values that must not rest or travel in plain
// text — list cursors, activation tokens on their way to the email sender,
// stored idempotent responses — with AES-256-GCM. Each purpose has its own
// key, derived with HKDF-SHA256 from the product's one secret (SECRET_KEY),
// so a value sealed for one purpose never opens for another.
//
// Sealed values and MACs name the secret they were made with (a short key
// id before a '.'), so that the secret can be rotated: values are sealed
// with the current secret, and opened with whichever secret made them, the
// previous one included while it is still given (SECRET_KEY_PREVIOUS).
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MasterKeyLen is the length of the product's secret.
const MasterKeyLen = 32

// ErrOpen is returned for anything that was not sealed by this box with this
// associated data.
var ErrOpen = errors.New("seal: cannot open")

// ErrNoKey is what a function without SECRET_KEY meets when it tries to
// seal or open: only the functions that use the secret are given it.
var ErrNoKey = errors.New("seal: this function has no SECRET_KEY")

// keyID names a secret without revealing it: 8 hex digits derived from it.
func keyID(master []byte) (string, error) {
	id, err := hkdf.Key(sha256.New, master, nil, "partner-invites/key-id", 4)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(id), nil
}

// derive returns a purpose's key of each secret, with the secret's id.
func derive(masters [][]byte, info string) (ids []string, keys [][]byte, err error) {
	for _, m := range masters {
		if len(m) != MasterKeyLen {
			return nil, nil, fmt.Errorf("seal: master key must be %d bytes, got %d", MasterKeyLen, len(m))
		}
		id, err := keyID(m)
		if err != nil {
			return nil, nil, fmt.Errorf("seal: key id: %w", err)
		}
		key, err := hkdf.Key(sha256.New, m, nil, info, 32)
		if err != nil {
			return nil, nil, fmt.Errorf("seal: derive %s key: %w", info, err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	return ids, keys, nil
}

// Box seals and opens values for one purpose.
type Box struct {
	ids   []string // the current secret's first
	aeads []cipher.AEAD
}

// New returns the box for a purpose, keyed from the current secret and
// able to open what older secrets sealed. With no secret at all it returns
// a box that refuses every use (Seal panics with ErrNoKey, Open returns
// it): a function that is not given SECRET_KEY, and should not need it.
func New(master []byte, purpose string, older ...[]byte) (*Box, error) {
	if len(master) == 0 {
		return &Box{}, nil
	}
	ids, keys, err := derive(append([][]byte{master}, older...), "partner-invites/"+purpose)
	if err != nil {
		return nil, err
	}
	b := &Box{ids: ids}
	for _, key := range keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		b.aeads = append(b.aeads, aead)
	}
	return b, nil
}

// Seal encrypts plaintext with the current secret, binding it to the
// associated data, and returns text: the secret's id, '.', then base64url
// of a random nonce, the ciphertext and tag.
func (b *Box) Seal(plaintext, associated []byte) string {
	if len(b.aeads) == 0 {
		panic(ErrNoKey) // a function's grants lack SECRET_KEY: a build defect
	}
	aead := b.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return b.ids[0] + "." + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plaintext, associated))
}

// Open decrypts what Seal returned for the same associated data, with the
// secret it names; ErrOpen for anything else. A value without a key id
// (sealed before ids existed) is tried with every secret.
func (b *Box) Open(sealed string, associated []byte) ([]byte, error) {
	if len(b.aeads) == 0 {
		return nil, ErrNoKey
	}
	candidates := b.aeads
	if id, rest, ok := strings.Cut(sealed, "."); ok {
		candidates = nil
		for i := range b.ids {
			if b.ids[i] == id {
				candidates = b.aeads[i : i+1]
			}
		}
		sealed = rest
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, ErrOpen
	}
	for _, aead := range candidates {
		if len(raw) < aead.NonceSize()+aead.Overhead() {
			return nil, ErrOpen
		}
		if plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], associated); err == nil {
			return plain, nil
		}
	}
	return nil, ErrOpen
}

// MAC signs values for one purpose (HMAC-SHA256 under a derived key).
type MAC struct {
	ids  []string
	keys [][]byte
}

// NewMAC returns the MAC for a purpose, as New does its box; with no
// secret, one that refuses every use.
func NewMAC(master []byte, purpose string, older ...[]byte) (*MAC, error) {
	if len(master) == 0 {
		return &MAC{}, nil
	}
	ids, keys, err := derive(append([][]byte{master}, older...), "partner-invites/mac/"+purpose)
	if err != nil {
		return nil, err
	}
	return &MAC{ids: ids, keys: keys}, nil
}

func sum(key []byte, data string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Sum returns the MAC of data under the current secret: its id, '.', then
// base64url.
func (m *MAC) Sum(data string) string {
	if len(m.keys) == 0 {
		panic(ErrNoKey) // a function's grants lack SECRET_KEY: a build defect
	}
	return m.ids[0] + "." + sum(m.keys[0], data)
}

// Verify reports whether s is a MAC of data under the secret it names, in
// constant time.
func (m *MAC) Verify(data, s string) bool {
	id, mac, ok := strings.Cut(s, ".")
	if !ok {
		return false
	}
	for i := range m.ids {
		if m.ids[i] == id {
			return hmac.Equal([]byte(sum(m.keys[i], data)), []byte(mac))
		}
	}
	return false
}
