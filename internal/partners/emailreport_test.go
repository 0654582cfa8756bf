package partners

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// reportStore is a hand-written fake of EmailReportStore: one tenant's
// invitations and users, with RecordEmailReport's conditions.
type reportStore struct {
	invitations map[string]Invitation // by tenant + "/" + id
	users       map[string]PartnerUser
	writes      int
	// failNext, when set, is the next write's answer.
	failNext error
}

func (s *reportStore) GetInvitation(_ context.Context, tenantID, id string) (Invitation, error) {
	inv, ok := s.invitations[tenantID+"/"+id]
	if !ok {
		return Invitation{}, Errorf(NotFound, "No invitation %s.", id)
	}
	return inv, nil
}

func (s *reportStore) GetUser(_ context.Context, tenantID, partnerID, userID string) (PartnerUser, error) {
	u, ok := s.users[tenantID+"/"+userID]
	if !ok || u.PartnerID != partnerID {
		return PartnerUser{}, Errorf(NotFound, "No user %s.", userID)
	}
	return u, nil
}

func (s *reportStore) RecordEmailReport(_ context.Context, inv Invitation, d Delivery, flags *AddressFlags) error {
	s.writes++
	if err := s.failNext; err != nil {
		s.failNext = nil
		return err
	}
	key := inv.TenantID + "/" + inv.ID
	cur := s.invitations[key]
	if cur.SendSeq != inv.SendSeq || cur.Delivery.MessageID != inv.Delivery.MessageID || cur.Delivery.Status != inv.Delivery.Status {
		return &ConflictError{Reason: ConflictInvitationChanged, Key: inv.ID}
	}
	if flags != nil {
		ukey := inv.TenantID + "/" + flags.UserID
		u, ok := s.users[ukey]
		if !ok {
			return &ConflictError{Reason: ConflictUserChanged, Key: flags.UserID}
		}
		u.EmailBouncedAt, u.EmailComplainedAt = flags.BouncedAt, flags.ComplainedAt
		s.users[ukey] = u
	}
	cur.Delivery = d
	s.invitations[key] = cur
	return nil
}

type reportWorld struct {
	t       *testing.T
	store   *reportStore
	reports *EmailReports
	clock   *testClock
	inv     Invitation
}

func newReportWorld(t *testing.T) *reportWorld {
	clock := &testClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	inv := Invitation{
		ID: newID(invitationIDPrefix, clock.now), TenantID: tenantA, PartnerID: "ptr_acme", UserID: "usr_ada",
		Email: "ada@example.com", Status: InvitationPending, SendSeq: 1,
		Delivery: Delivery{Status: DeliverySent, MessageID: "msg-1", Attempts: 1, SentAt: clock.now},
	}
	store := &reportStore{
		invitations: map[string]Invitation{tenantA + "/" + inv.ID: inv},
		users:       map[string]PartnerUser{tenantA + "/usr_ada": {ID: "usr_ada", TenantID: tenantA, PartnerID: "ptr_acme", Email: inv.Email, Status: UserInvited, InvitationID: inv.ID}},
	}
	return &reportWorld{t: t, store: store, clock: clock, inv: inv,
		reports: &EmailReports{Store: store, Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
}

func (w *reportWorld) report(kind EmailReportKind, f ...func(*EmailReport)) EmailReportOutcome {
	w.t.Helper()
	w.clock.advance(time.Second)
	rep := EmailReport{Kind: kind, MessageID: w.inv.Delivery.MessageID, TenantID: w.inv.TenantID, InvitationID: w.inv.ID, At: w.clock.now}
	if kind == ReportBounce {
		rep.BounceType, rep.BounceSubType = BouncePermanent, "General"
	}
	for _, fn := range f {
		fn(&rep)
	}
	out, err := w.reports.Record(w.t.Context(), rep)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *reportWorld) delivery() Delivery { return w.store.invitations[tenantA+"/"+w.inv.ID].Delivery }
func (w *reportWorld) user() PartnerUser  { return w.store.users[tenantA+"/usr_ada"] }

func transient(r *EmailReport) { r.BounceType, r.BounceSubType = BounceTransient, "MailboxFull" }

// Each sequence of reports about the current message ends where the
// precedence says: sent < delivered < bounced = complained = failed, the
// first final status staying.
func TestReportsMoveTheDeliveryUpOnly(t *testing.T) {
	tests := []struct {
		name     string
		reports  []EmailReportKind
		opts     []func(*EmailReport)
		want     DeliveryStatus
		outcomes []EmailReportOutcome
		bounced  bool // the user's address flagged bounced
		complain bool
	}{
		{"a delivery", []EmailReportKind{ReportDelivery}, nil, DeliveryDelivered, []EmailReportOutcome{ReportRecorded}, false, false},
		{"a permanent bounce", []EmailReportKind{ReportBounce}, nil, DeliveryBounced, []EmailReportOutcome{ReportRecorded}, true, false},
		{"a late delivery after a bounce", []EmailReportKind{ReportBounce, ReportDelivery}, nil, DeliveryBounced, []EmailReportOutcome{ReportRecorded, ReportOutranked}, true, false},
		{"a bounce after a delivery", []EmailReportKind{ReportDelivery, ReportBounce}, nil, DeliveryBounced, []EmailReportOutcome{ReportRecorded, ReportRecorded}, true, false},
		{"a complaint after a delivery", []EmailReportKind{ReportDelivery, ReportComplaint}, nil, DeliveryComplained, []EmailReportOutcome{ReportRecorded, ReportRecorded}, false, true},
		{"a bounce after a complaint", []EmailReportKind{ReportComplaint, ReportBounce}, nil, DeliveryComplained, []EmailReportOutcome{ReportRecorded, ReportOutranked}, false, true},
		{"a repeated bounce", []EmailReportKind{ReportBounce, ReportBounce}, nil, DeliveryBounced, []EmailReportOutcome{ReportRecorded, ReportOutranked}, true, false},
		{"a reject", []EmailReportKind{ReportReject}, nil, DeliveryFailed, []EmailReportOutcome{ReportRecorded}, false, false},
		{"a transient bounce", []EmailReportKind{ReportBounce}, []func(*EmailReport){transient}, DeliverySent, []EmailReportOutcome{ReportRecorded}, false, false},
		{"a repeated transient bounce", []EmailReportKind{ReportBounce, ReportBounce}, []func(*EmailReport){transient}, DeliverySent, []EmailReportOutcome{ReportRecorded, ReportOutranked}, false, false},
		{"a transient bounce after a delivery", []EmailReportKind{ReportDelivery, ReportBounce}, []func(*EmailReport){transient}, DeliveryDelivered, []EmailReportOutcome{ReportRecorded, ReportOutranked}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newReportWorld(t)
			var got []EmailReportOutcome
			for _, k := range tt.reports {
				got = append(got, w.report(k, tt.opts...))
			}
			d := w.delivery()
			if d.Status != tt.want || len(got) != len(tt.outcomes) {
				t.Fatalf("status %s after %v (outcomes %v), want %s", d.Status, tt.reports, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.outcomes[i] {
					t.Errorf("outcome %d: %s, want %s", i, got[i], tt.outcomes[i])
				}
			}
			if u := w.user(); u.EmailBouncedAt.IsZero() == tt.bounced || u.EmailComplainedAt.IsZero() == tt.complain {
				t.Errorf("user flags bounced %v complained %v; want bounced %v complained %v", u.EmailBouncedAt, u.EmailComplainedAt, tt.bounced, tt.complain)
			}
			if d.MessageID != "msg-1" || d.SentAt.IsZero() || d.Attempts != 1 {
				t.Errorf("the report lost the send's record: %+v", d)
			}
		})
	}
}

func TestAReportRecordsItsDetails(t *testing.T) {
	w := newReportWorld(t)
	w.report(ReportBounce)
	d := w.delivery()
	if d.BounceType != BouncePermanent || d.BounceSubType != "General" || !d.ReportedAt.Equal(w.clock.now) || !d.UpdatedAt.Equal(w.clock.now) || d.LastError == "" {
		t.Errorf("delivery %+v", d)
	}
	if !w.user().EmailBouncedAt.Equal(w.clock.now) {
		t.Errorf("user flagged at %v, want %v", w.user().EmailBouncedAt, w.clock.now)
	}
	w2 := newReportWorld(t)
	w2.report(ReportReject)
	if d := w2.delivery(); d.FailureReason != ReasonRejected {
		t.Errorf("reject: %+v", d)
	}
}

// A report about another message (an older issue's, after a resend), or
// whose tags name an invitation that is not that tenant's, changes nothing.
func TestAReportAboutAnythingElseChangesNothing(t *testing.T) {
	tests := []struct {
		name string
		f    func(*EmailReport)
		want EmailReportOutcome
	}{
		{"another message", func(r *EmailReport) { r.MessageID = "msg-0" }, ReportOtherMessage},
		{"no message", func(r *EmailReport) { r.MessageID = "" }, ReportOtherMessage},
		{"another tenant", func(r *EmailReport) { r.TenantID = tenantB }, ReportNoInvitation},
		{"no such invitation", func(r *EmailReport) { r.InvitationID = newID(invitationIDPrefix, time.Now()) }, ReportNoInvitation},
		{"not an invitation id", func(r *EmailReport) { r.InvitationID = "../x" }, ReportNoInvitation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newReportWorld(t)
			if got := w.report(ReportBounce, tt.f); got != tt.want {
				t.Errorf("outcome %s, want %s", got, tt.want)
			}
			if w.store.writes != 0 || w.delivery().Status != DeliverySent || !w.user().EmailBouncedAt.IsZero() {
				t.Errorf("%d writes, delivery %s, user %+v", w.store.writes, w.delivery().Status, w.user())
			}
		})
	}
}

// A delivery of a later message (a forced resend that arrived) clears the
// address's flags.
func TestADeliveryClearsTheFlags(t *testing.T) {
	w := newReportWorld(t)
	w.report(ReportBounce)
	inv := w.store.invitations[tenantA+"/"+w.inv.ID]
	inv.SendSeq, inv.Delivery = 2, Delivery{Status: DeliverySent, MessageID: "msg-2", Attempts: 1}
	w.store.invitations[tenantA+"/"+w.inv.ID] = inv
	w.inv = inv
	if out := w.report(ReportDelivery); out != ReportRecorded {
		t.Fatalf("outcome %s", out)
	}
	if u := w.user(); !u.EmailBouncedAt.IsZero() {
		t.Errorf("the user is still flagged: %+v", u)
	}
}

// A write that loses to a concurrent change decides again with a fresh
// read; a failing store is an error for the bus to retry; a user gone
// still lets the invitation record the report.
func TestARefusedReportWriteDecidesAgain(t *testing.T) {
	t.Run("invitation changed", func(t *testing.T) {
		w := newReportWorld(t)
		w.store.failNext = &ConflictError{Reason: ConflictInvitationChanged}
		if out := w.report(ReportBounce); out != ReportRecorded || w.store.writes != 2 || w.delivery().Status != DeliveryBounced {
			t.Errorf("outcome %s after %d writes, status %s", out, w.store.writes, w.delivery().Status)
		}
	})
	t.Run("store down", func(t *testing.T) {
		w := newReportWorld(t)
		w.store.failNext = errors.New("timeout")
		_, err := w.reports.Record(t.Context(), EmailReport{Kind: ReportDelivery, MessageID: "msg-1", TenantID: tenantA, InvitationID: w.inv.ID})
		if err == nil {
			t.Error("no error")
		}
	})
	t.Run("user gone", func(t *testing.T) {
		w := newReportWorld(t)
		w.store.failNext = &ConflictError{Reason: ConflictUserChanged} // purged between the read and the write
		if out := w.report(ReportBounce); out != ReportRecorded || w.store.writes != 2 || w.delivery().Status != DeliveryBounced {
			t.Errorf("outcome %s after %d writes, status %s", out, w.store.writes, w.delivery().Status)
		}
	})
}

func TestAFlaggedAddressIsMailedOnlyWhenForced(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	u := w.store.users[keyOfUser(first.User)]
	u.EmailBouncedAt = w.clock.now
	w.store.putUser(u)
	w.clock.advance(time.Minute)
	_, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: true})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Conflict || e.Details["code"] != "recipient_bounced" {
		t.Fatalf("resend: %v, want a recipient_bounced conflict", err)
	}
	if inv := w.storedInvitation(first.Invitation.ID); inv.SendSeq != 1 {
		t.Errorf("the refused resend reissued: send_seq %d", inv.SendSeq)
	}
	if _, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: false}); err != nil {
		t.Errorf("link-only resend: %v", err)
	}
	res, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: true, Force: true})
	if err != nil || res.Invitation.Delivery.Status != DeliveryQueued {
		t.Errorf("forced resend: %v, delivery %s", err, res.Invitation.Delivery.Status)
	}
	// A re-invite of the same person through the invite route behaves the same.
	_, err = w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true})
	if !errors.As(err, &e) || e.Details["code"] != "recipient_bounced" {
		t.Errorf("re-invite: %v, want recipient_bounced", err)
	}
	if _, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true, Force: true}); err != nil {
		t.Errorf("forced re-invite: %v", err)
	}
	// A complaint is refused the same way, with its own code.
	u = w.store.users[keyOfUser(first.User)]
	u.EmailBouncedAt, u.EmailComplainedAt = time.Time{}, w.clock.now
	w.store.putUser(u)
	_, err = w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: true})
	if !errors.As(err, &e) || e.Details["code"] != "recipient_complained" {
		t.Errorf("resend after a complaint: %v, want recipient_complained", err)
	}
}
