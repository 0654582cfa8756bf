package dynamostore

import "github.com/partnerinvites/partnerinvites/internal/partners"

// grantRecord is one grant of a partner, in its list attribute `grants`.
type grantRecord struct {
	ResourceType string `dynamodbav:"resource_type"`
	ResourceID   string `dynamodbav:"resource_id"`
	Permission   string `dynamodbav:"permission"`
}

func newGrantRecords(gs []partners.Grant) []grantRecord {
	if len(gs) == 0 {
		return nil
	}
	out := make([]grantRecord, 0, len(gs))
	for _, g := range gs {
		out = append(out, grantRecord{ResourceType: g.ResourceType, ResourceID: g.ResourceID, Permission: g.Permission})
	}
	return out
}

func grantsOf(rs []grantRecord) []partners.Grant {
	if len(rs) == 0 {
		return nil
	}
	out := make([]partners.Grant, 0, len(rs))
	for _, r := range rs {
		out = append(out, partners.Grant{ResourceType: r.ResourceType, ResourceID: r.ResourceID, Permission: r.Permission})
	}
	return out
}
