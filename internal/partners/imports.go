package partners

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/seal"
)

// Import jobs: a CSV larger than SyncImportRows (or sent with async=true) is
// checked and queued in the request, then invited chunk by chunk by a stream
// consumer, so that no file size can run into API Gateway's 29 s or Lambda's
// 6 MB. The tenant reads the progress and the per-row results from
// GET /v1/imports/{id}.
const (
	// SyncImportRows is the largest file imported within the request.
	SyncImportRows = 1000
	// ImportChunkRows is how many rows one chunk (one item, one worker run) holds.
	ImportChunkRows = 250
	importIDPrefix  = "imp_"
)

// ImportStatus is where an import job stands.
type ImportStatus string

// The import statuses.
const (
	ImportProcessing ImportStatus = "processing"
	ImportCompleted  ImportStatus = "completed"
)

// Import is an import job.
type Import struct {
	ID        string
	TenantID  string
	PartnerID string
	Status    ImportStatus
	// InvitedBy and Role are the API key that submitted the file: the worker
	// invites on its behalf.
	InvitedBy string
	Role      Role
	Options   BulkOptions
	Rows      int
	Done      int
	Created   int
	Resent    int
	Errors    int
	CreatedAt time.Time
	// CompletedAt is zero while the job runs.
	CompletedAt time.Time
	// PurgeAt is when the table deletes the job and its chunks: its
	// creation plus the tenant's retention.
	PurgeAt time.Time
}

// ImportChunk is a slice of an import's rows: its entries to invite, and,
// once done, the sealed results of all its rows.
type ImportChunk struct {
	TenantID string
	ImportID string
	Index    int
	Entries  []BulkEntry
	Done     bool
	// Results are the chunk's row results, sealed: they can hold links.
	Results string
}

// ImportCounts are what one chunk adds to its job.
type ImportCounts struct {
	Done, Created, Resent, Errors int
}

// ImportStore persists import jobs.
type ImportStore interface {
	// CreateImport stores a job's chunks, then the job, which is what makes
	// it exist; the chunks not yet done are what the worker picks up from
	// the stream, once their job is there.
	CreateImport(ctx context.Context, imp Import, chunks []ImportChunk) error
	// GetImport returns a job. NotFound if absent or another tenant's.
	GetImport(ctx context.Context, tenantID, id string) (Import, error)
	// GetImportChunk returns one chunk. NotFound if absent.
	GetImportChunk(ctx context.Context, tenantID, id string, index int) (ImportChunk, error)
	// ListImportChunks returns a job's chunks in order.
	ListImportChunks(ctx context.Context, tenantID, id string) ([]ImportChunk, error)
	// CompleteImportChunk stores a chunk's results and adds its counts to the
	// job, once (Conflict if the chunk is done already); it returns the job.
	CompleteImportChunk(ctx context.Context, c ImportChunk, counts ImportCounts) (Import, error)
	// CompleteImport marks a job completed.
	CompleteImport(ctx context.Context, tenantID, id string, at time.Time) error
	// RequeueImportChunk puts a chunk that is not done back in the queue (a
	// write the worker hears again). Conflict if it is done.
	RequeueImportChunk(ctx context.Context, tenantID, importID string, index int) error
	// ReplaceImportChunkResults replaces a done chunk's sealed results, if
	// they are still c.Results. Conflict otherwise (another read took them).
	ReplaceImportChunkResults(ctx context.Context, c ImportChunk, results string) error
}

// startImport checks every row and queues the good ones in chunks; the rows
// that failed the check are recorded at once, in a chunk that is done.
func (s *Service) startImport(ctx context.Context, partnerID string, entries []BulkEntry, opts BulkOptions) (Import, error) {
	ic, _, err := s.prefetchedInvite(ctx, partnerID, nil)
	if err != nil {
		return Import{}, err
	}
	if err := checkImportTemplate(&opts, ic.settings); err != nil {
		return Import{}, err
	}
	report, _, todo := checkEntries(ic, entries, opts, s.Phones)
	now := ic.now
	imp := Import{
		ID: newID(importIDPrefix, now), TenantID: ic.caller.TenantID, PartnerID: partnerID, Status: ImportProcessing,
		InvitedBy: ic.caller.KeyID, Role: ic.caller.Role, Options: opts, Rows: len(entries), CreatedAt: now,
		PurgeAt: now.Add(ic.settings.Retention()),
	}
	var failed []BulkResult
	for _, r := range report.Results {
		if r.Status == BulkError {
			failed = append(failed, r)
		}
	}
	imp.Done, imp.Errors = len(failed), len(failed)
	// The rows that failed the check are done at once, in chunks of the
	// same bounded size as the others.
	var chunks []ImportChunk
	for start := 0; start < len(failed); start += ImportChunkRows {
		c := ImportChunk{TenantID: imp.TenantID, ImportID: imp.ID, Index: len(chunks), Done: true}
		if c.Results, err = sealRows(s.Imports.box, c, failed[start:min(start+ImportChunkRows, len(failed))], start); err != nil {
			return Import{}, err
		}
		chunks = append(chunks, c)
	}
	for start := 0; start < len(todo); start += ImportChunkRows {
		c := ImportChunk{TenantID: imp.TenantID, ImportID: imp.ID, Index: len(chunks)}
		for _, i := range todo[start:min(start+ImportChunkRows, len(todo))] {
			c.Entries = append(c.Entries, entries[i])
		}
		chunks = append(chunks, c)
	}
	if imp.Done == imp.Rows {
		imp.Status, imp.CompletedAt = ImportCompleted, now
	}
	if err := s.Imports.Store.CreateImport(ctx, imp, chunks); err != nil {
		return Import{}, fmt.Errorf("create import: %w", err)
	}
	return imp, nil
}

// ImportJobs wires the import jobs' store and the box their results are
// sealed in.
type ImportJobs struct {
	Store ImportStore
	box   *seal.Box
}

// NewImportJobs returns ImportJobs keyed from the product's secret.
func NewImportJobs(store ImportStore, master []byte, older ...[]byte) (*ImportJobs, error) {
	box, err := seal.New(master, "import-results", older...)
	if err != nil {
		return nil, err
	}
	return &ImportJobs{Store: store, box: box}, nil
}

// GetImport returns one of the caller's import jobs with the results of the
// rows done so far, in file order.
func (s *Service) GetImport(ctx context.Context, id string) (Import, []BulkResult, error) {
	caller, err := authorize(ctx, PermRead)
	if err != nil {
		return Import{}, nil, err
	}
	if !validID(importIDPrefix, id) {
		return Import{}, nil, Errorf(NotFound, "No import %s.", id)
	}
	imp, err := s.Imports.Store.GetImport(ctx, caller.TenantID, id)
	if err != nil {
		return Import{}, nil, fmt.Errorf("get import %s: %w", id, err)
	}
	chunks, err := s.Imports.Store.ListImportChunks(ctx, caller.TenantID, id)
	if err != nil {
		return Import{}, nil, fmt.Errorf("list chunks of %s: %w", id, err)
	}
	// The links of a link-only import are shown once: to the key that made
	// it, on its first read of the completed job, within a day. Each chunk's
	// links are taken out of the store before they are shown, and only the
	// read that took them shows them. Other keys' reads (viewers') never see
	// them and leave them; a read after the day removes them.
	fresh := timestamp(s.Clock).Before(imp.CreatedAt.Add(importLinkLifetime))
	mayShow := caller.KeyID == imp.InvitedBy && imp.Status == ImportCompleted && fresh
	var results []BulkResult
	for _, c := range chunks {
		if !c.Done {
			continue
		}
		rows, err := openRows(s.Imports.box, c)
		if err != nil {
			return Import{}, nil, err
		}
		if hasLinks(rows) {
			taken := false
			if mayShow || !fresh {
				if taken, err = s.takeLinks(ctx, c); err != nil {
					return Import{}, nil, err
				}
			}
			if !taken || !mayShow {
				rows = withoutLinks(rows)
			}
		}
		results = append(results, rows...)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Entry.Row < results[j].Entry.Row })
	return imp, results, nil
}
