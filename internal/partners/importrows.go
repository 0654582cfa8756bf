package partners

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// How an import's results are kept: each chunk's rows sealed (they hold
// activation links of link-only imports), and the links shown once.

// importLinkLifetime is how long the activation links of a link-only
// import can be read back, once, by the key that made the import.
const importLinkLifetime = 24 * time.Hour

// importRow is one row's result as sealed into a chunk.
type importRow struct {
	Row          int            `json:"row"`
	Index        int            `json:"index"`
	Input        string         `json:"input"`
	Email        string         `json:"email,omitempty"`
	Status       BulkStatus     `json:"status"`
	InvitationID string         `json:"invitation_id,omitempty"`
	Link         string         `json:"link,omitempty"`
	Kind         Kind           `json:"kind,omitempty"`
	Message      string         `json:"message,omitempty"`
	Fields       []FieldError   `json:"fields,omitempty"`
	Details      map[string]any `json:"details,omitempty"`
}

func importAAD(tenantID, importID string, index int) []byte {
	return []byte(fmt.Sprintf("%s\x00%s\x00%d", tenantID, importID, index))
}

func sealRows(box *seal.Box, c ImportChunk, results []BulkResult, offset int) (string, error) {
	rows := make([]importRow, 0, len(results))
	for i, r := range results {
		row := importRow{Row: r.Entry.Row, Index: offset + i, Input: r.Entry.Input, Email: r.Entry.Email, Status: r.Status}
		if r.Status != BulkError {
			row.InvitationID, row.Link = r.Result.Invitation.ID, r.Result.Link
		}
		if e := r.Err; e != nil {
			row.Kind, row.Message, row.Fields, row.Details = e.Kind, e.Message, e.Fields, e.Details
		}
		rows = append(rows, row)
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encode import results: %w", err)
	}
	return box.Seal(b, importAAD(c.TenantID, c.ImportID, c.Index)), nil
}

func hasLinks(rows []BulkResult) bool {
	for _, r := range rows {
		if r.Result.Link != "" {
			return true
		}
	}
	return false
}

func withoutLinks(rows []BulkResult) []BulkResult {
	out := make([]BulkResult, len(rows))
	for i, r := range rows {
		r.Result.Link = ""
		out[i] = r
	}
	return out
}

// takeLinks removes a chunk's links from the store; false if another read
// removed them first.
func (s *Service) takeLinks(ctx context.Context, c ImportChunk) (bool, error) {
	plain, err := s.Imports.box.Open(c.Results, importAAD(c.TenantID, c.ImportID, c.Index))
	if err != nil {
		return false, fmt.Errorf("open results of chunk %d: %w", c.Index, err)
	}
	var rows []importRow
	if err := json.Unmarshal(plain, &rows); err != nil {
		return false, fmt.Errorf("decode results of chunk %d: %w", c.Index, err)
	}
	for i := range rows {
		rows[i].Link = ""
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return false, fmt.Errorf("encode results of chunk %d: %w", c.Index, err)
	}
	err = s.Imports.Store.ReplaceImportChunkResults(ctx, c, s.Imports.box.Seal(b, importAAD(c.TenantID, c.ImportID, c.Index)))
	if IsKind(err, Conflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take the links of chunk %d of %s: %w", c.Index, c.ImportID, err)
	}
	return true, nil
}

func openRows(box *seal.Box, c ImportChunk) ([]BulkResult, error) {
	plain, err := box.Open(c.Results, importAAD(c.TenantID, c.ImportID, c.Index))
	if err != nil {
		return nil, fmt.Errorf("open results of chunk %d: %w", c.Index, err)
	}
	var rows []importRow
	if err := json.Unmarshal(plain, &rows); err != nil {
		return nil, fmt.Errorf("decode results of chunk %d: %w", c.Index, err)
	}
	out := make([]BulkResult, 0, len(rows))
	for _, row := range rows {
		r := BulkResult{Entry: BulkEntry{Row: row.Row, Input: row.Input, Email: row.Email}, Status: row.Status}
		r.Result.Invitation.ID, r.Result.Link = row.InvitationID, row.Link
		if row.Status == BulkError {
			r.Err = &Error{Kind: row.Kind, Message: row.Message, Fields: row.Fields, Details: row.Details}
		}
		out = append(out, r)
	}
	return out, nil
}
