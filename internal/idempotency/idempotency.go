// Package idempotency makes retried POSTs safe: the first request with an
// Idempotency-Key runs and its successful response is stored; a retry with the
// same key and request (method, path, query and body) gets that stored
// response; the same key with another request is refused (422); a retry
// while the first is still running is refused (409). Stored responses are
// compressed and sealed, and the store splits what does not fit one item,
// so that no answer is ever lost to a size limit.
//
// Only 2xx responses are stored, as in Stripe's API: a request that failed
// validation or hit a conflict can be corrected and sent again with the same
// key. A request that dies midway (a crashed or timed-out function) keeps its
// key locked until the record expires, because running it again could write
// twice; the caller sees 409 and can check what exists before using a new key.
package idempotency

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"
	"unicode"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// Retention is how long a key and its response are kept.
const Retention = 24 * time.Hour

// MaxKeyLen bounds an Idempotency-Key.
const MaxKeyLen = 255

// Response is what is replayed: the status, the headers worth keeping and the body.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// Record is the stored state of one key.
type Record struct {
	TenantID    string
	Key         string
	Fingerprint string
	Completed   bool
	Response    Response
	// Compressed says the sealed body holds gzip (records written before
	// compression hold the body itself).
	Compressed bool
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Store keeps records. Implementations must make Begin atomic.
type Store interface {
	// Begin stores rec as in progress unless a live record with its key
	// exists; then it returns that record and claimed=false.
	Begin(ctx context.Context, rec Record) (existing Record, claimed bool, err error)
	// Complete stores the response of a claimed key.
	Complete(ctx context.Context, rec Record) error
	// Release forgets a claimed key, so that the request can be retried.
	Release(ctx context.Context, tenantID, key string) error
}

// ErrNotStored comes with a response that was made but could not be
// stored: the caller should send the response and log the error (a retry
// with the key then sees 409 until the record expires).
var ErrNotStored = errors.New("the response could not be stored")

// Guard runs requests at most once per key.
type Guard struct {
	Store Store
	Clock partners.Clock
	// Box seals stored response bodies: they can hold activation links and
	// personal data, which must not rest in the table in plain text.
	Box *seal.Box
}

// Fingerprint identifies a request's content: its method, path, query
// string and body (the key's tenant scopes the record itself). The query is
// put in a canonical order first, so that the same parameters in another
// order are the same request: ?dry_run=true&role=x is ?role=x&dry_run=true,
// and ?dry_run=true is not the request without it.
func Fingerprint(method, path, rawQuery string, body []byte) string {
	query := rawQuery
	if v, err := url.ParseQuery(rawQuery); err == nil {
		query = v.Encode()
	}
	// Each part is framed by its length: joined with separators, bytes
	// could move from one part to the next ("/x\nq=1" and no query was
	// "/x" and q=1) and two requests share a fingerprint.
	h := sha256.New()
	for _, part := range [][]byte{[]byte(method), []byte(path), []byte(query), body} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Do runs fn unless the key was seen. replayed is true when the response is
// a stored one.
func (g *Guard) Do(ctx context.Context, tenantID, key, fingerprint string, fn func(context.Context) Response) (resp Response, replayed bool, err error) {
	if err := checkKey(key); err != nil {
		return Response{}, false, err
	}
	now := g.Clock.Now().UTC()
	rec := Record{
		TenantID: tenantID, Key: key, Fingerprint: fingerprint,
		CreatedAt: now, ExpiresAt: now.Add(Retention),
	}
	existing, claimed, err := g.Store.Begin(ctx, rec)
	if err != nil {
		return Response{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	if !claimed {
		switch {
		case existing.Fingerprint != fingerprint:
			return Response{}, false, partners.Errorf(partners.Unprocessable,
				"The Idempotency-Key %q was used with a different request. Use a new key for a new request.", key)
		case !existing.Completed:
			return Response{}, false, partners.Errorf(partners.Conflict,
				"A request with the Idempotency-Key %q is still in progress (or did not finish). Retry later, or check what exists and use a new key.", key)
		}
		body, err := g.Box.Open(existing.Response.Body, []byte(tenantID+"\x00"+key))
		if err == nil && existing.Compressed {
			body, err = gunzip(body)
		}
		if err != nil {
			return Response{}, false, fmt.Errorf("open stored response for key %q: %w", key, err)
		}
		existing.Response.Body = string(body)
		return existing.Response, true, nil
	}
	resp = fn(ctx)
	if resp.Status < 200 || resp.Status > 299 {
		if err := g.Store.Release(ctx, tenantID, key); err != nil {
			return Response{}, false, fmt.Errorf("release idempotency key: %w", err)
		}
		return resp, false, nil
	}
	rec.Completed, rec.Response, rec.Compressed = true, resp, true
	rec.Response.Body = g.Box.Seal(gzipped([]byte(resp.Body)), []byte(tenantID+"\x00"+key))
	if err := g.Store.Complete(ctx, rec); err != nil {
		// The work is done: the caller still gets its answer.
		return resp, false, fmt.Errorf("%w: %w", ErrNotStored, err)
	}
	return resp, false, nil
}

func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return partners.InvalidField("Idempotency-Key", "invalid_idempotency_key",
			fmt.Sprintf("The Idempotency-Key header must be 1 to %d characters.", MaxKeyLen))
	}
	for _, r := range key {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return partners.InvalidField("Idempotency-Key", "invalid_idempotency_key",
				"The Idempotency-Key header must be printable ASCII.")
		}
	}
	return nil
}

// gzipped compresses a response body: JSON results of bulk requests shrink
// to a tenth or less, which keeps most stored responses in one item.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level never fails
	_, _ = w.Write(b)                                 // writes to a bytes.Buffer never fail
	_ = w.Close()
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
