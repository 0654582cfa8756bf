package partners

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID prefixes make ids self-describing, as in Stripe's API.
const (
	tenantIDPrefix     = "ten_"
	apiKeyIDPrefix     = "key_"
	partnerIDPrefix    = "ptr_"
	userIDPrefix       = "usr_"
	invitationIDPrefix = "inv_"
)

// newID returns prefix + a ULID: random (crypto/rand) and sortable by time,
// so that newest-first listings can sort on the id.
func newID(prefix string, now time.Time) string {
	return prefix + ulid.MustNew(ulid.Timestamp(now), rand.Reader).String()
}

// validID reports whether s looks like an id with the given prefix. Lookups of
// malformed ids answer NotFound without touching the store.
func validID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}

// idTime returns when an id was made (its ULID's time); false if it is not
// an id with the prefix.
func idTime(prefix, s string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return time.Time{}, false
	}
	id, err := ulid.ParseStrict(rest)
	if err != nil {
		return time.Time{}, false
	}
	return ulid.Time(id.Time()), true
}
