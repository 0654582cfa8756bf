package partners

import (
	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// Cursors seals list positions into opaque cursors, with the tenant and the
// query as associated data, so that a forged cursor, one from another
// tenant, or one from another query fails to open (Invalid, 400) instead of
// paging somewhere else.
type Cursors struct {
	box *seal.Box
}

// NewCursors returns Cursors keyed from the product's secret.
func NewCursors(master []byte, older ...[]byte) (*Cursors, error) {
	box, err := seal.New(master, "cursor", older...)
	if err != nil {
		return nil, err
	}
	return &Cursors{box: box}, nil
}

// Seal returns the cursor for a store position within a tenant's query.
func (c *Cursors) Seal(tenantID, query, position string) string {
	return c.box.Seal([]byte(position), associatedData(tenantID, query))
}

// Open returns the store position of a cursor, or an Invalid error naming the
// cursor field if it was not sealed by us for this tenant and query.
func (c *Cursors) Open(tenantID, query, cursor string) (string, error) {
	position, err := c.box.Open(cursor, associatedData(tenantID, query))
	if err != nil {
		return "", InvalidField("cursor", "invalid_cursor", "cursor is not a cursor this list returned for these filters.")
	}
	return string(position), nil
}

func associatedData(tenantID, query string) []byte {
	return []byte(tenantID + "\x00" + query)
}
