package partners

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// orphanChunkAge is how long a chunk waits for its job before it is taken
// for the orphan of a failed request.
const orphanChunkAge = 2 * time.Minute

// chunkWait is the pause before a chunk whose job is not there yet goes
// back in the queue.
const chunkWait = time.Second

// Rows of a chunk that failed on our side (the store throttled or did not
// answer past the SDK's retries) are tried again within the invocation,
// after a back-off of 0.5, 1, 2, 4… up to 20 s, at most rowRetries times
// and while the invocation has time left. Recording them failed at once
// lost them: a bulk request's caller sees "send it again" and can, an
// import's cannot.
const (
	rowRetryFirst = 500 * time.Millisecond
	rowRetryMax   = 20 * time.Second
	rowRetries    = 8
)

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
		s.retryFailedRows(ctx, ic, &report, chunk.Entries, imp.Options)
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
	// The rows are invited: a failure to record that must not hand the
	// chunk to the stream again, whose retry would re-decide every row as a
	// re-invite (a new link, and a new email, for each). So the completion
	// is retried here first.
	err = retryTransient(ctx, func() error {
		imp, err = s.Imports.Store.CompleteImportChunk(ctx, chunk, ImportCounts{
			Done: len(report.Results), Created: report.Created, Resent: report.Resent, Errors: report.Errors,
		})
		return err
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

// retryFailedRows invites again the rows of report that failed on our side
// (Internal), each decided afresh. (A row whose first try had committed
// and only lost its answer, past the SDK's retries, reads as a re-invite:
// resent.)
func (s *Service) retryFailedRows(ctx context.Context, ic inviteContext, report *BulkReport, entries []BulkEntry, opts BulkOptions) {
	_, inputs, _ := checkEntries(ic, entries, opts, s.Phones)
	wait := rowRetryFirst
	for range rowRetries {
		var todo []int
		for i, r := range report.Results {
			if r.Status == BulkError && r.Err != nil && r.Err.Kind == Internal {
				todo = append(todo, i)
			}
		}
		if len(todo) == 0 || sleep(ctx, wait) != nil {
			break
		}
		logFrom(ctx).Info("import: rows that failed on our side tried again", "rows", len(todo))
		for _, i := range todo {
			report.Results[i].Status, report.Results[i].Err = "", nil
		}
		s.processEntries(ctx, ic.rereading(), prefetchedClaims{}, report, inputs, todo, opts)
		wait = min(2*wait, rowRetryMax)
	}
	report.count()
}

// retryTransient runs op until it succeeds or fails with a domain error (a
// conflict: another run did it), with the rows' back-off, while the
// invocation has time left.
func retryTransient(ctx context.Context, op func() error) error {
	wait := rowRetryFirst
	for range rowRetries {
		err := op()
		var e *Error
		if err == nil || (errors.As(err, &e) && e.Kind != Internal) {
			return err
		}
		logFrom(ctx).Warn("import: a write that failed on our side tried again", "err", err)
		if sleep(ctx, wait) != nil {
			return err
		}
		wait = min(2*wait, rowRetryMax)
	}
	return op()
}
