package dynamostore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

var sweepNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// pendingInvitations makes n pending invitations spread over three
// tenants, the first overdue of them expired before sweepNow (one exactly
// at it), the others expiring after it.
func pendingInvitations(t *testing.T, s *dynamostore.Store, prefix string, n, overdue int) []partners.Invitation {
	t.Helper()
	var invs []partners.Invitation
	for i := range n {
		expires := sweepNow.Add(time.Duration(i+1) * time.Minute)
		if i < overdue {
			expires = sweepNow.Add(-time.Duration(i) * time.Minute)
		}
		invs = append(invs, partners.Invitation{
			ID: fmt.Sprintf("inv_%s%05d", prefix, i), TenantID: fmt.Sprintf("ten_%s%d", prefix, i%3), PartnerID: "ptr_1", UserID: "usr_1",
			Email: fmt.Sprintf("p%d@example.com", i), Role: "member", Status: partners.InvitationPending, TokenHash: "h",
			ExpiresAt: expires, SendSeq: 1, CreatedAt: sweepNow.Add(-48 * time.Hour), UpdatedAt: sweepNow.Add(-48 * time.Hour),
			Delivery: partners.Delivery{Status: partners.DeliverySent},
		})
	}
	if err := s.PutInvitationsForTest(context.Background(), invs); err != nil {
		t.Fatal(err)
	}
	return invs
}

func expirer(s partners.ExpiryStore) *partners.Expirer {
	return &partners.Expirer{Store: s, Clock: testenv.NewClock(sweepNow)}
}

func TestASweepMarksExactlyTheOverdueOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	invs := pendingInvitations(t, s, "a", 1000, 300)

	first, err := expirer(s).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Expired != 300 || first.ItemsRead != 300 {
		t.Errorf("first run: %+v, want 300 expired, 300 items read", first)
	}
	second, err := expirer(s).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.Expired != 0 || second.ItemsRead != 0 {
		t.Errorf("second run: %+v, want nothing to do", second)
	}
	for i, inv := range []partners.Invitation{invs[0], invs[299], invs[300], invs[999]} {
		got, err := s.GetInvitation(ctx, inv.TenantID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus, wantPurge := partners.InvitationExpired, sweepNow.Add(30*24*time.Hour)
		if i >= 2 {
			wantStatus, wantPurge = partners.InvitationPending, time.Time{}
		}
		if got.Status != wantStatus || !got.PurgeAt.Equal(wantPurge) {
			t.Errorf("%s: status %s, purge at %v; want %s, %v", inv.ID, got.Status, got.PurgeAt, wantStatus, wantPurge)
		}
		if i < 2 && (got.ChangedBy != partners.SystemActor || !got.UpdatedAt.Equal(sweepNow)) {
			t.Errorf("%s: changed by %+v at %v, want the system at %v", inv.ID, got.ChangedBy, got.UpdatedAt, sweepNow)
		}
	}
}

func TestTwoSweepsAtOnceMarkEachOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	pendingInvitations(t, s, "b", 200, 200)
	var wg sync.WaitGroup
	reports := make([]partners.ExpiryReport, 2)
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if reports[i], err = expirer(s).Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := reports[0].Expired + reports[1].Expired; got != 200 {
		t.Errorf("the two runs marked %d (%+v, %+v), want 200 between them", got, reports[0], reports[1])
	}
}

// acceptingFirst accepts one invitation after the sweep read it and before
// it writes: the accept must win.
type acceptingFirst struct {
	*dynamostore.Store
	once sync.Once
	t    *testing.T
	id   string
}

func (a *acceptingFirst) ListOverdue(ctx context.Context, shard int, now time.Time, pos string, limit int) ([]partners.Invitation, string, int, error) {
	page, next, read, err := a.Store.ListOverdue(ctx, shard, now, pos, limit)
	for _, inv := range page {
		if inv.ID == a.id {
			a.once.Do(func() {
				accepted := inv
				accepted.Status, accepted.AcceptedAt, accepted.UpdatedAt = partners.InvitationAccepted, now, now
				err := a.AcceptInvitation(ctx, accepted, partners.PartnerUser{ID: "usr_1", TenantID: inv.TenantID, PartnerID: "ptr_1", Email: inv.Email, Status: partners.UserActive, InvitationID: inv.ID},
					partners.Membership{Sub: "sub-1", TenantID: inv.TenantID, PartnerID: "ptr_1", UserID: "usr_1"})
				if err != nil && !partners.IsKind(err, partners.Conflict) {
					a.t.Error(err)
				}
			})
		}
	}
	return page, next, read, err
}

func TestAnAcceptBetweenTheReadAndTheWriteWins(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	invs := pendingInvitations(t, s, "c", 20, 20)
	// The accept needs the partner and the user it activates.
	if err := s.CreatePartner(ctx, partners.Partner{ID: "ptr_1", TenantID: invs[7].TenantID, Name: "Globex", Status: partners.PartnerActive, OnboardingStatus: partners.OnboardingApproved, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvitation(ctx, partners.NewInvitation{
		NewUser: true, User: partners.PartnerUser{ID: "usr_1", TenantID: invs[7].TenantID, PartnerID: "ptr_1", Email: "x@example.com", Status: partners.UserInvited, InvitationID: invs[7].ID},
		Invitation: partners.Invitation{ID: "inv_unrelated", TenantID: invs[7].TenantID, Status: partners.InvitationAccepted, ExpiresAt: sweepNow.Add(time.Hour)},
		Token:      partners.Token{Hash: "unrelated", TenantID: invs[7].TenantID, InvitationID: "inv_unrelated"},
	}); err != nil {
		t.Fatal(err)
	}
	report, err := expirer(&acceptingFirst{Store: s, t: t, id: invs[7].ID}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if report.Expired != 19 || report.Skipped != 1 {
		t.Errorf("report %+v, want 19 expired and the accepted one skipped", report)
	}
	got, err := s.GetInvitation(ctx, invs[7].TenantID, invs[7].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != partners.InvitationAccepted {
		t.Errorf("the accepted invitation is %s", got.Status)
	}
}

// failingTenant refuses every write of one tenant's invitations.
type failingTenant struct {
	*dynamostore.Store
	tenant string
}

func (f failingTenant) MarkExpired(ctx context.Context, inv partners.Invitation) error {
	if inv.TenantID == f.tenant {
		return fmt.Errorf("injected failure")
	}
	return f.Store.MarkExpired(ctx, inv)
}

func TestOneTenantsFailuresDoNotHoldTheOthers(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	pendingInvitations(t, s, "d", 30, 30)
	report, err := expirer(failingTenant{s, "ten_d0"}).Run(ctx)
	if err == nil {
		t.Error("a run with failures reported none")
	}
	if report.Failed != 10 || report.Expired != 20 {
		t.Errorf("report %+v, want ten_d0's 10 failed and the other 20 expired", report)
	}
}

func TestASweepReadsTheOverdueNotTheTable(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10,010 invitations")
	}
	s, ctx := newStore(t), context.Background()
	pendingInvitations(t, s, "e", 10_010, 10)
	report, err := expirer(s).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 live and 10 overdue invitations: %d items read, %d marked", report.ItemsRead, report.Expired)
	if report.ItemsRead != 10 || report.Expired != 10 {
		t.Errorf("report %+v, want 10 read and 10 marked", report)
	}
}
