package partners

import (
	"context"
	"fmt"
	"time"
)

// orphanChunkAge is how long a chunk waits for its job before it is taken
// for the orphan of a failed request.
const orphanChunkAge = 2 * time.Minute

// chunkWait is the pause before a chunk whose job is not there yet goes
// back in the queue.
const chunkWait = time.Second

// ProcessImportChunk invites the rows of one chunk on behalf of the key that
// submitted the import: the import worker's job. A chunk already done is
// skipped, so a retried stream record does nothing twice.
func (s *Service) ProcessImportChunk(ctx context.Context, tenantID, importID string, index int) error {
	chunk, err := s.Imports.Store.GetImportChunk(ctx, tenantID, importID, index)
	if err != nil {
		return fmt.Errorf("get chunk %d of %s: %w", index, importID, err)
	}
	if chunk.Done {
		return nil
	}
	imp, err := s.Imports.Store.GetImport(ctx, tenantID, importID)
	if IsKind(err, NotFound) {
		// The job is written after its chunks: until it is there, the chunk
		// waits. A chunk whose job never came belongs to a request that
		// failed before it answered; nothing of it was invited, and it is
		// dropped.
		if made, ok := idTime(importIDPrefix, importID); ok && timestamp(s.Clock).Sub(made) > orphanChunkAge {
			return nil
		}
		// Put the chunk back at the end of the queue after a pause, rather
		// than hold up the chunks behind it.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(chunkWait):
		}
		if err := s.Imports.Store.RequeueImportChunk(ctx, tenantID, importID, index); err != nil && !IsKind(err, Conflict) {
			return fmt.Errorf("requeue chunk %d of %s: %w", index, importID, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get import %s: %w", importID, err)
	}
	ctx = WithPrincipal(ctx, Principal{TenantID: tenantID, KeyID: imp.InvitedBy, Role: imp.Role})
	ic, pre, err := s.prefetchedInvite(ctx, imp.PartnerID, entryEmails(chunk.Entries))
	var report BulkReport
	if err == nil {
		report = s.inviteAll(ctx, ic, pre, chunk.Entries, imp.Options)
	} else if k := KindOf(err); k == NotFound || k == Forbidden {
		report = BulkReport{Results: make([]BulkResult, len(chunk.Entries))}
		for i, e := range chunk.Entries {
			report.Results[i] = BulkResult{Entry: e}
			report.Results[i].fail(itemError(ctx, err))
		}
		report.count()
	} else {
		return err
	}
	if chunk.Results, err = sealRows(s.Imports.box, chunk, report.Results, index*ImportChunkRows); err != nil {
		return err
	}
	chunk.Done = true
	imp, err = s.Imports.Store.CompleteImportChunk(ctx, chunk, ImportCounts{
		Done: len(report.Results), Created: report.Created, Resent: report.Resent, Errors: report.Errors,
	})
	if IsKind(err, Conflict) {
		return nil // another run finished this chunk
	}
	if err != nil {
		return fmt.Errorf("complete chunk %d of %s: %w", index, importID, err)
	}
	if imp.Done >= imp.Rows && imp.Status != ImportCompleted {
		if err := s.Imports.Store.CompleteImport(ctx, tenantID, importID, timestamp(s.Clock)); err != nil {
			return fmt.Errorf("complete import %s: %w", importID, err)
		}
	}
	return nil
}
