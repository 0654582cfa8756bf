package partners

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// SendLimits cap the invitation emails a tenant sends, so that the shared
// sender cannot be turned into a relay: per tenant per hour, and per
// recipient address per day (invites, resends, revoke-and-re-invite loops and
// renewals all count; link-only invitations send nothing and count nothing).
// A tenant may lower them, and raise them up to MaxSendLimits.
type SendLimits struct {
	EmailsPerHour            int
	EmailsPerRecipientPerDay int
}

// The send limits a tenant has unless it sets its own, and the most it may set.
var (
	DefaultSendLimits = SendLimits{EmailsPerHour: 1000, EmailsPerRecipientPerDay: 5}
	MaxSendLimits     = SendLimits{EmailsPerHour: 10000, EmailsPerRecipientPerDay: 20}
)

// WithDefaults fills the limits left at zero.
func (l SendLimits) WithDefaults() SendLimits {
	if l.EmailsPerHour == 0 {
		l.EmailsPerHour = DefaultSendLimits.EmailsPerHour
	}
	if l.EmailsPerRecipientPerDay == 0 {
		l.EmailsPerRecipientPerDay = DefaultSendLimits.EmailsPerRecipientPerDay
	}
	return l
}

func checkSendLimits(fe *fieldErrors, l SendLimits) {
	if l.EmailsPerHour < 0 || l.EmailsPerHour > MaxSendLimits.EmailsPerHour {
		fe.add("send_limits.emails_per_hour", "out_of_range", fmt.Sprintf("send_limits.emails_per_hour must be between 1 and %d.", MaxSendLimits.EmailsPerHour))
	}
	if l.EmailsPerRecipientPerDay < 0 || l.EmailsPerRecipientPerDay > MaxSendLimits.EmailsPerRecipientPerDay {
		fe.add("send_limits.emails_per_recipient_per_day", "out_of_range", fmt.Sprintf("send_limits.emails_per_recipient_per_day must be between 1 and %d.", MaxSendLimits.EmailsPerRecipientPerDay))
	}
}

// SendQuotaStore counts the emails a tenant sends, in fixed windows.
type SendQuotaStore interface {
	// ReserveTenantSends adds n to the tenant's count of the hour that
	// starts at hour, unless that would pass limit: then it adds nothing
	// and returns false.
	ReserveTenantSends(ctx context.Context, tenantID string, hour time.Time, n, limit int) (bool, error)
	// ReserveRecipientSend adds one to the count of a normalised address for
	// the day that starts at day, unless that would pass limit (false).
	ReserveRecipientSend(ctx context.Context, tenantID, email string, day time.Time, limit int) (bool, error)
	// ReleaseTenantSends and ReleaseRecipientSend give back what a
	// reservation took, when the write it was for did not happen.
	ReleaseTenantSends(ctx context.Context, tenantID string, hour time.Time, n int) error
	ReleaseRecipientSend(ctx context.Context, tenantID, email string, day time.Time) error
}

func errTenantSendLimit(limit int, now time.Time) *Error {
	next := now.Truncate(time.Hour).Add(time.Hour)
	return &Error{
		Kind:    RateLimited,
		Message: fmt.Sprintf("This would send more than your %d invitation emails this hour; try again after %s, or send fewer.", limit, next.Format("15:04 UTC")),
		Details: map[string]any{"code": "send_limit_tenant", "retry_after": int(next.Sub(now).Seconds()) + 1},
	}
}

func errRecipientSendLimit(email string, limit int, now time.Time) *Error {
	next := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	return &Error{
		Kind:    RateLimited,
		Message: fmt.Sprintf("%s has had %d invitation emails today, the most one address gets; try again tomorrow (UTC), or copy the link with send_email: false.", email, limit),
		Details: map[string]any{"code": "send_limit_recipient", "retry_after": int(next.Sub(now).Seconds()) + 1},
	}
}

// reserveSends reserves the send limits' quota for emails about to be sent,
// one per normalised address, right before the write that queues them: the
// tenant's hour for all of them (all or nothing: tenantErr), and each
// address's day (denied). granted are the addresses whose emails may
// go; release gives their quota back if the write then fails.
func (s *Service) reserveSends(ctx context.Context, tenantID string, st Settings, emails []string, now time.Time) (granted []string, denied map[string]*Error, tenantErr *Error, release func(), err error) {
	nothing := func() {}
	if len(emails) == 0 || s.SendQuota == nil {
		return emails, nil, nil, nothing, nil
	}
	limits := st.SendLimits.WithDefaults()
	hour, day := now.Truncate(time.Hour), now.Truncate(24*time.Hour)
	giveBack := func(emails []string, tenantN int) {
		r, ctx := s.SendQuota, context.WithoutCancel(ctx)
		if tenantN > 0 {
			_ = r.ReleaseTenantSends(ctx, tenantID, hour, tenantN) // best effort: at worst a count is high
		}
		for _, e := range emails {
			_ = r.ReleaseRecipientSend(ctx, tenantID, e, day)
		}
	}
	// The tenant's hour and each address's day are reserved at once, in
	// one round trip's time; what turns out not to be needed goes back.
	var mu sync.Mutex
	denied = map[string]*Error{}
	var firstErr error
	var tenantOK bool
	jobs := []func(){func() {
		ok, err := s.SendQuota.ReserveTenantSends(ctx, tenantID, hour, len(emails), limits.EmailsPerHour)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("reserve sends: %w", err)
		}
		tenantOK = ok
	}}
	for _, email := range emails {
		jobs = append(jobs, func() {
			ok, err := s.SendQuota.ReserveRecipientSend(ctx, tenantID, email, day, limits.EmailsPerRecipientPerDay)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = fmt.Errorf("reserve a send to %s: %w", email, err)
				}
			case !ok:
				denied[email] = errRecipientSendLimit(email, limits.EmailsPerRecipientPerDay, now)
			default:
				granted = append(granted, email)
			}
		})
	}
	runJobs(jobs, bulkConcurrency)
	switch {
	case firstErr != nil || !tenantOK:
		n := 0
		if tenantOK {
			n = len(emails)
		}
		giveBack(granted, n)
		if firstErr != nil {
			return nil, nil, nil, nothing, firstErr
		}
		return nil, nil, errTenantSendLimit(limits.EmailsPerHour, now), nothing, nil
	}
	// The tenant's share of the addresses over their day goes back at once.
	giveBack(nil, len(emails)-len(granted))
	return granted, denied, nil, func() { giveBack(granted, len(granted)) }, nil
}

// reserveFor reserves quota for one invite about to be written: nothing for
// a link-only one; RateLimited when the tenant's hour or the address's day
// is full. release gives it back if the write fails.
func (s *Service) reserveFor(ctx context.Context, ic inviteContext, in InviteInput) (func(), error) {
	if !in.SendEmail {
		return func() {}, nil
	}
	email := NormalizeEmail(in.Email)
	for attempt := 1; ; attempt++ {
		_, denied, tenantErr, release, err := s.reserveSends(ctx, ic.caller.TenantID, ic.settings, []string{email}, ic.now)
		if err != nil {
			return nil, err
		}
		limited := tenantErr
		if limited == nil {
			limited = denied[email]
		}
		if limited == nil {
			return release, nil
		}
		// A count can be full of reservations of concurrent invites of the
		// same address, all but one of which will lose their write and give
		// theirs back: look again a few times before saying 429, so that a
		// loser gets its own answer (409) rather than a limit it did not reach.
		if attempt == reserveAttempts {
			return nil, limited
		}
		raceBackoff(ctx, attempt)
	}
}

// reserveAttempts bounds the looks at a full count (see reserveFor).
const reserveAttempts = 8

// reserveBatch reserves quota for a batch of new invitations: the entries
// over a limit fail in the report, and the rest are returned with their
// release.
func (s *Service) reserveBatch(ctx context.Context, ic inviteContext, report *BulkReport, inputs []InviteInput, batch []int, opts BulkOptions) ([]int, func()) {
	if !opts.SendEmail || opts.DryRun {
		return batch, func() {}
	}
	emails := make([]string, len(batch))
	for k, i := range batch {
		emails[k] = NormalizeEmail(inputs[i].Email)
	}
	granted, denied, tenantErr, release, err := s.reserveSends(ctx, ic.caller.TenantID, ic.settings, emails, ic.now)
	if err != nil || tenantErr != nil {
		e := tenantErr
		if e == nil {
			e = itemError(ctx, err)
		}
		for _, i := range batch {
			report.Results[i].fail(e)
		}
		return nil, func() {}
	}
	ok := map[string]bool{}
	for _, g := range granted {
		ok[g] = true
	}
	kept := batch[:0:0]
	for _, i := range batch {
		if email := NormalizeEmail(inputs[i].Email); ok[email] {
			kept = append(kept, i)
		} else if e := denied[email]; e != nil {
			report.Results[i].fail(e)
		}
	}
	return kept, release
}
