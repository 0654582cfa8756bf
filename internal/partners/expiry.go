package partners

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ExpiryStore is what the expiry schedule reads and writes.
type ExpiryStore interface {
	// ExpiryShards is how many partitions the pending-by-expiry index is
	// spread over.
	ExpiryShards() int
	// ListOverdue returns a page of one shard's pending invitations whose
	// expiry is at or before now, oldest first, and the position after it
	// ("" at the end); read counts the items the store read for it.
	ListOverdue(ctx context.Context, shard int, now time.Time, position string, limit int) (page []Invitation, next string, read int, err error)
	// MarkExpired writes inv as expired if it is still pending at the same
	// issue and overdue at inv.UpdatedAt; ConflictInvitationChanged if not.
	MarkExpired(ctx context.Context, inv Invitation) error
	GetSettings(ctx context.Context, tenantID string) (Settings, error)
}

// Expirer is the scheduled sweep that marks overdue invitations expired, so
// that the tenant hears of it (invitation.expired) and the table can purge
// them after the retention. Expiry is enforced on read whatever it does:
// it only records what is already true.
type Expirer struct {
	Store ExpiryStore
	Clock Clock
	// PageSize bounds each read (default 100).
	PageSize int
	// Parallel is how many shards are swept at once (default 4).
	Parallel int
}

// ExpiryReport is what one run did.
type ExpiryReport struct {
	// Expired is how many invitations this run marked.
	Expired int `json:"expired"`
	// Skipped were overdue when read but changed before the write (accepted,
	// resent, revoked, or marked by a run beside this one).
	Skipped int `json:"skipped"`
	// Failed could not be marked this run (logged); the next run tries again.
	Failed int `json:"failed"`
	// ItemsRead is what the index queries read: the overdue invitations,
	// never the table.
	ItemsRead int `json:"items_read"`
	Shards    int `json:"shards"`
	// At is the moment the run compared expiries with.
	At time.Time `json:"at"`
}

// Run sweeps every shard once. It is safe to run twice at once and to run
// again after a timeout halfway: each write is conditional, so an
// invitation is marked once, and one changed meanwhile is left alone. An
// error is returned with what was done before it.
func (e *Expirer) Run(ctx context.Context) (ExpiryReport, error) {
	now := timestamp(e.Clock)
	report := ExpiryReport{Shards: e.Store.ExpiryShards(), At: now}
	parallel := e.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	var (
		mu       sync.Mutex
		errs     []error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, parallel)
		settings = &retentionCache{store: e.Store, byTenant: map[string]time.Duration{}}
	)
	for shard := range report.Shards {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, err := e.sweep(ctx, shard, now, settings)
			mu.Lock()
			defer mu.Unlock()
			report.Expired += r.Expired
			report.Skipped += r.Skipped
			report.ItemsRead += r.ItemsRead
			report.Failed += r.Failed
			if err != nil {
				errs = append(errs, fmt.Errorf("shard %d: %w", shard, err))
			}
		}()
	}
	wg.Wait()
	logFrom(ctx).Info("expiry: run", "expired", report.Expired, "skipped", report.Skipped, "failed", report.Failed, "items_read", report.ItemsRead, "at", now)
	return report, errors.Join(errs...)
}

// sweep marks one shard's overdue invitations.
func (e *Expirer) sweep(ctx context.Context, shard int, now time.Time, settings *retentionCache) (ExpiryReport, error) {
	var r ExpiryReport
	limit := e.PageSize
	if limit <= 0 {
		limit = 100
	}
	position := ""
	for {
		page, next, read, err := e.Store.ListOverdue(ctx, shard, now, position, limit)
		r.ItemsRead += read
		if err != nil {
			return r, fmt.Errorf("list overdue: %w", err)
		}
		for _, inv := range page {
			// One invitation that cannot be marked (its tenant's settings
			// unreadable, a write refused) is logged and left for the next
			// run; the invitations behind it are not held up.
			retention, err := settings.of(ctx, inv.TenantID)
			if err == nil {
				inv.end(InvitationExpired, now, SystemActor, retention)
				err = e.Store.MarkExpired(ctx, inv)
			}
			switch {
			case isConflict(err, ConflictInvitationChanged):
				r.Skipped++
			case err != nil:
				r.Failed++
				logFrom(ctx).Error("expiry: not marked", "tenant_id", inv.TenantID, "invitation_id", inv.ID, "err", err)
			default:
				r.Expired++
			}
		}
		if next == "" {
			if r.Failed > 0 {
				return r, fmt.Errorf("%d invitations not marked (logged)", r.Failed)
			}
			return r, nil
		}
		position = next
	}
}

// retentionCache reads each tenant's retention once per run.
type retentionCache struct {
	store interface {
		GetSettings(ctx context.Context, tenantID string) (Settings, error)
	}
	mu       sync.Mutex
	byTenant map[string]time.Duration
}

func (c *retentionCache) of(ctx context.Context, tenantID string) (time.Duration, error) {
	c.mu.Lock()
	d, ok := c.byTenant[tenantID]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	st, err := c.store.GetSettings(ctx, tenantID)
	if err != nil {
		return 0, fmt.Errorf("settings of %s: %w", tenantID, err)
	}
	c.mu.Lock()
	c.byTenant[tenantID] = st.Retention()
	c.mu.Unlock()
	return st.Retention(), nil
}
