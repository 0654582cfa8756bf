package partners

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Limits of one bulk request.
const (
	MaxBulkInvites  = 1000
	MaxImportRows   = 10_000
	bulkConcurrency = 16
)

// BulkEntry is one person of a bulk invite or a CSV row.
type BulkEntry struct {
	// Input is what the tenant sent for this entry, for the result.
	Input string
	// Row is the CSV line (header = 1); 0 for a JSON list.
	Row       int
	Email     string
	Role      string
	FirstName string
	LastName  string
	Phone     string
	JobTitle  string
	// Problem, when set, is why the entry could not even be read.
	Problem *FieldError
}

// BulkOptions apply to every entry of a bulk request.
type BulkOptions struct {
	// Role is used for entries that name none.
	Role      string
	SendEmail bool
	// EmailVerified vouches for the addresses of link-only invites (see InviteInput).
	EmailVerified  bool
	ExpiresInHours int
	RedirectURL    string
	InviterName    string
	// Template names the email template of every entry (see InviteInput).
	Template string
	// DryRun reports what would happen and writes nothing.
	DryRun bool
	// Async makes a CSV import a job even when it is small.
	Async bool
}

// BulkStatus says what happened to one entry.
type BulkStatus string

// The bulk statuses.
const (
	BulkCreated BulkStatus = "created"
	BulkResent  BulkStatus = "resent"
	BulkError   BulkStatus = "error"
)

// BulkResult is the outcome of one entry, in the order sent.
type BulkResult struct {
	Entry  BulkEntry
	Status BulkStatus
	// Result is set for created and resent entries.
	Result InviteResult
	// Err is set for entries in error: an *Error saying why.
	Err *Error
}

// BulkReport is the outcome of a bulk request.
type BulkReport struct {
	DryRun  bool
	Results []BulkResult
	Created int
	Resent  int
	Errors  int
}

// InviteMany invites many people to one partner. Each entry succeeds or
// fails on its own (partial success); none is dropped silently.
func (s *Service) InviteMany(ctx context.Context, partnerID string, entries []BulkEntry, opts BulkOptions) (BulkReport, error) {
	if len(entries) > MaxBulkInvites {
		if _, err := authorize(ctx, PermInvite); err != nil {
			return BulkReport{}, err
		}
		return BulkReport{}, Errorf(TooLarge, "At most %d addresses per request; use the CSV import for more.", MaxBulkInvites)
	}
	ic, pre, err := s.prefetchedInvite(ctx, partnerID, entryEmails(entries))
	if err != nil {
		return BulkReport{}, err
	}
	var fe fieldErrors
	if len(entries) == 0 {
		fe.add("emails", "required", "emails must name at least one address.")
	}
	if opts.Role != "" && !ic.settings.HasRole(opts.Role) {
		fe.add("role", "unknown_role", fmt.Sprintf("role must be one of your roles: %s.", strings.Join(ic.settings.Roles, ", ")))
	}
	checkTemplateChoice(&fe, "template", &opts.Template, ic.settings)
	if err := fe.err(); err != nil {
		return BulkReport{}, err
	}
	return s.inviteAll(ctx, ic, pre, entries, opts), nil
}

// ImportCSV invites the people of a CSV file to one partner (see
// ParseInvitationCSV for the format). Each row succeeds or fails on its own.
// A file of more than SyncImportRows rows (or opts.Async) becomes an import
// job, returned instead of a report; a dry run is always answered at once.
func (s *Service) ImportCSV(ctx context.Context, partnerID string, data []byte, opts BulkOptions) (BulkReport, *Import, error) {
	if _, err := authorize(ctx, PermInvite); err != nil {
		return BulkReport{}, nil, err
	}
	entries, err := ParseInvitationCSV(data)
	if err != nil {
		return BulkReport{}, nil, err
	}
	if !opts.DryRun && (opts.Async || len(entries) > SyncImportRows) {
		imp, err := s.startImport(ctx, partnerID, entries, opts)
		if err != nil {
			return BulkReport{}, nil, err
		}
		return BulkReport{}, &imp, nil
	}
	ic, pre, err := s.prefetchedInvite(ctx, partnerID, entryEmails(entries))
	if err != nil {
		return BulkReport{}, nil, err
	}
	if err := checkImportTemplate(&opts, ic.settings); err != nil {
		return BulkReport{}, nil, err
	}
	return s.inviteAll(ctx, ic, pre, entries, opts), nil, nil
}

// checkImportTemplate checks the template a CSV import names (its query
// parameter), for the whole file: the rows of a job keep it even if it is
// deleted before they are invited (the email sender then uses the default).
func checkImportTemplate(opts *BulkOptions, st Settings) error {
	var fe fieldErrors
	checkTemplateChoice(&fe, "template", &opts.Template, st)
	return fe.err()
}

func entryEmails(entries []BulkEntry) []string {
	emails := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Problem == nil {
			emails = append(emails, e.Email)
		}
	}
	return emails
}

// inviteAll checks every entry, refuses repeats, and invites the rest with
// bounded concurrency (distinct emails never race each other). pre holds
// the claims prefetched with ic.
func (s *Service) inviteAll(ctx context.Context, ic inviteContext, pre prefetchedClaims, entries []BulkEntry, opts BulkOptions) BulkReport {
	report, inputs, todo := checkEntries(ic, entries, opts, s.Phones)
	s.processEntries(ctx, ic, pre, &report, inputs, todo, opts)
	report.count()
	return report
}

// checkEntries reads every entry into an invite, and fails those that are
// bad or repeat an earlier email; todo lists the entries to invite.
func checkEntries(ic inviteContext, entries []BulkEntry, opts BulkOptions, phones PhoneNormalizer) (report BulkReport, inputs []InviteInput, todo []int) {
	report = BulkReport{DryRun: opts.DryRun, Results: make([]BulkResult, len(entries))}
	inputs = make([]InviteInput, len(entries))
	firstSeen := map[string]int{}
	for i, e := range entries {
		report.Results[i].Entry = e
		if e.Problem != nil {
			report.Results[i].fail(&Error{Kind: Invalid, Message: e.Problem.Message, Fields: []FieldError{*e.Problem}})
			continue
		}
		in := InviteInput{
			Email: e.Email, FirstName: e.FirstName, LastName: e.LastName, Phone: e.Phone, JobTitle: e.JobTitle,
			Role: e.Role, SendEmail: opts.SendEmail, EmailVerified: opts.EmailVerified, ExpiresInHours: opts.ExpiresInHours,
			RedirectURL: opts.RedirectURL, InviterName: opts.InviterName, Template: opts.Template,
		}
		if in.Role == "" {
			in.Role = opts.Role
		}
		var fe fieldErrors
		checkInvite(&fe, "", &in, ic, phones)
		if err := fe.err(); err != nil {
			var e *Error
			errors.As(err, &e)
			report.Results[i].fail(e)
			continue
		}
		key := NormalizeEmail(in.Email)
		if first, dup := firstSeen[key]; dup {
			where := fmt.Sprintf("entry %d", first+1)
			if row := entries[first].Row; row > 0 {
				where = fmt.Sprintf("row %d", row)
			}
			report.Results[i].fail(&Error{Kind: Invalid, Message: fmt.Sprintf("%s appears twice; see %s.", in.Email, where),
				Fields: []FieldError{{Field: "email", Code: "duplicate", Message: fmt.Sprintf("%s appears twice; see %s.", in.Email, where)}}})
			continue
		}
		firstSeen[key] = i
		inputs[i] = in
		todo = append(todo, i)
	}
	return report, inputs, todo
}

// processEntries invites the entries listed in todo.
func (s *Service) processEntries(ctx context.Context, ic inviteContext, pre prefetchedClaims, report *BulkReport, inputs []InviteInput, todo []int, opts BulkOptions) {
	// Emails nobody had claimed are written many to a transaction; the rest
	// (re-invites, and any batch that lost a race) go one by one.
	var fresh, single []int
	for _, i := range todo {
		if pre.has(NormalizeEmail(inputs[i].Email)) {
			single = append(single, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	var mu sync.Mutex
	var jobs []func()
	for start := 0; start < len(fresh); start += MaxInvitationsPerWrite {
		batch := fresh[start:min(start+MaxInvitationsPerWrite, len(fresh))]
		jobs = append(jobs, func() {
			batch, release := s.reserveBatch(ctx, ic, report, inputs, batch, opts)
			if len(batch) == 0 {
				return
			}
			results, err := s.createBatch(ctx, ic, inputs, batch, opts.DryRun)
			if err != nil {
				release() // each is decided again, and reserves again, below
			}
			if err == nil {
				for k, i := range batch {
					report.Results[i].Status, report.Results[i].Result = BulkCreated, results[k]
				}
				return
			}
			mu.Lock()
			single = append(single, batch...) // decide each again, with fresh reads
			mu.Unlock()
		})
	}
	runJobs(jobs, bulkConcurrency/4)

	jobs = jobs[:0]
	for _, i := range single {
		jobs = append(jobs, func() {
			c := ic
			if !pre.has(NormalizeEmail(inputs[i].Email)) {
				c = ic.rereading() // its batch lost a race: read again
			}
			res, err := s.invite(ctx, c, inputs[i], opts.DryRun)
			if err != nil {
				report.Results[i].fail(itemError(ctx, err))
				return
			}
			report.Results[i].Result = res
			report.Results[i].Status = BulkCreated
			if res.Outcome == OutcomeResent {
				report.Results[i].Status = BulkResent
			}
		})
	}
	runJobs(jobs, bulkConcurrency)
}

// count totals the results.
func (report *BulkReport) count() {
	report.Created, report.Resent, report.Errors = 0, 0, 0
	for _, r := range report.Results {
		switch r.Status {
		case BulkCreated:
			report.Created++
		case BulkResent:
			report.Resent++
		default:
			report.Errors++
		}
	}
}

// createBatch writes new invitations for unclaimed emails in one
// transaction (or, for a dry run, only builds them).
func (s *Service) createBatch(ctx context.Context, ic inviteContext, inputs []InviteInput, batch []int, dryRun bool) ([]InviteResult, error) {
	news := make([]NewInvitation, len(batch))
	tokens := make([]string, len(batch))
	for k, i := range batch {
		news[k] = s.newInvitation(ic, inputs[i], nil)
		if !dryRun {
			tokens[k], news[k].Token = s.issue(&news[k].Invitation, ic, inputs[i])
		}
	}
	if !dryRun {
		if err := s.Invitations.CreateInvitations(ctx, news); err != nil {
			return nil, err
		}
	}
	results := make([]InviteResult, len(batch))
	for k, i := range batch {
		results[k] = s.result(OutcomeCreated, news[k].Invitation, news[k].User, inputs[i], tokens[k])
	}
	return results, nil
}

// runJobs runs jobs with at most n at once.
func runJobs(jobs []func(), n int) {
	work := make(chan func())
	var wg sync.WaitGroup
	for range max(1, min(n, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range work {
				job()
			}
		}()
	}
	for _, job := range jobs {
		work <- job
	}
	close(work)
	wg.Wait()
}

func (r *BulkResult) fail(e *Error) {
	r.Status, r.Err = BulkError, e
}

// itemError turns an invite's error into what its entry reports. Internal
// errors say only that the entry can be retried; the cause is logged here,
// since the request itself succeeds and nothing else would log it.
func itemError(ctx context.Context, err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e
	}
	logFrom(ctx).Error("bulk entry failed on our side", "err", err)
	return &Error{Kind: Internal, Message: "This entry failed on our side; send it again.", Err: err}
}
