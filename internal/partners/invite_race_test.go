package partners

import (
	"reflect"
	"testing"
	"time"
)

// The races of an invite: another request gets in between the invite's look
// and its write (memStore.raceOnce), and the invite decides again.

func TestAnInviteThatLosesTheClaimDecidesAgain(t *testing.T) {
	tests := []struct {
		name   string
		racer  func(w *inviteWorld) Partner // whom the other request invites ada to
		want   InviteOutcome                // or, if empty, wantCode
		code   string
		emails int // the quota held for ada's emails afterwards
	}{
		{"to another partner: taken", func(w *inviteWorld) Partner { return w.globex }, "", "email_taken", 1},
		{"to the same partner: resent", func(w *inviteWorld) Partner { return w.acme }, OutcomeResent, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			racer := tt.racer(w)
			var raced InviteResult
			w.store.raceOnce("CreateInvitation", func() {
				var err error
				if raced, err = w.svc.InviteUser(w.manager, racer.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true}); err != nil {
					t.Errorf("the other request: %v", err)
				}
			})
			res, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "Ada@example.com", Role: "member", SendEmail: true})
			if tt.code != "" {
				if code := conflictCode(t, err); code != tt.code {
					t.Errorf("code %s, want %s", code, tt.code)
				}
			} else if err != nil || res.Outcome != tt.want || res.Invitation.ID != raced.Invitation.ID {
				t.Errorf("outcome %s of %s, %v; want %s of the other request's %s", res.Outcome, res.Invitation.ID, err, tt.want, raced.Invitation.ID)
			}
			got := w.store.contents()
			if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 1 {
				t.Fatalf("%d claims, %d users, %d invitations; want one each", len(got.claims), len(got.users), len(got.invitations))
			}
			if c := got.claims[tenantKey{tenantA, "ada@example.com"}]; c.PartnerID != racer.ID || c.UserID != raced.User.ID {
				t.Errorf("claim %+v, want the other request's", c)
			}
			// The lost write gave its quota back: only the emails that
			// will go out count.
			day, hour := w.clock.now.Truncate(24*time.Hour), w.clock.now.Truncate(time.Hour)
			if n := got.sends[recipientDay(tenantA, "ada@example.com", day)]; n != tt.emails {
				t.Errorf("ada's day counts %d emails, want %d", n, tt.emails)
			}
			if n := got.sends[tenantHour(tenantA, hour)]; n != tt.emails {
				t.Errorf("the tenant's hour counts %d emails, want %d", n, tt.emails)
			}
		})
	}
}

func TestAnInviteToAPartnerDeletedMeanwhileIsNotFound(t *testing.T) {
	w := newInviteWorld(t)
	w.store.raceOnce("CreateInvitation", func() { w.store.deletePartner(tenantA, w.acme.ID) })
	_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member"})
	wantError(t, err, NotFound)
	got := w.store.contents()
	if len(got.claims)+len(got.users)+len(got.invitations)+len(got.tokens) != 0 {
		t.Errorf("the refused write left %d claims, %d users, %d invitations, %d tokens", len(got.claims), len(got.users), len(got.invitations), len(got.tokens))
	}
}

// reissueOf asks for ada's invitation to be issued again, by a resend or a
// re-invite.
type reissueOf func(w *inviteWorld, first InviteResult) (InviteResult, error)

func resendOf(w *inviteWorld, first InviteResult) (InviteResult, error) {
	return w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{})
}

func reinviteOf(w *inviteWorld, first InviteResult) (InviteResult, error) {
	return w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: first.Invitation.Email, Role: "member"})
}

func TestAReissueThatLosesToAnotherDecidesAgain(t *testing.T) {
	tests := []struct {
		name        string
		expired     bool   // the first invitation has lapsed
		racedWrite  string // the write the other request gets in before
		race, issue reissueOf
		sendSeq     int // of the invitation issued last
		invitations int
	}{
		{"a resend races a resend", false, "ReissueInvitation", resendOf, resendOf, 3, 1},
		{"a re-invite races a resend", false, "ReissueInvitation", resendOf, reinviteOf, 3, 1},
		{"a re-invite of a lapsed invitation races another", true, "CreateInvitation", reinviteOf, reinviteOf, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			first := w.invite(w.acme, "ada@example.com")
			if tt.expired {
				w.clock.advance(49 * time.Hour)
			}
			var raced InviteResult
			w.store.raceOnce(tt.racedWrite, func() {
				var err error
				if raced, err = tt.race(w, first); err != nil {
					t.Errorf("the other request: %v", err)
				}
			})
			res, err := tt.issue(w, first)
			if err != nil || res.Outcome != OutcomeResent || res.Invitation.ID != raced.Invitation.ID {
				t.Fatalf("outcome %s of %s, %v; want resent of the other request's %s", res.Outcome, res.Invitation.ID, err, raced.Invitation.ID)
			}
			if inv := w.storedInvitation(res.Invitation.ID); inv.SendSeq != tt.sendSeq || inv.TokenHash != HashToken(linkToken(t, res)) {
				t.Errorf("invitation at SendSeq %d, want %d with the last link's token", inv.SendSeq, tt.sendSeq)
			}
			if s := w.linkState(linkToken(t, res)); s != "live" {
				t.Errorf("the last link is %s", s)
			}
			if s := w.linkState(linkToken(t, raced)); s != "replaced" {
				t.Errorf("the other request's link is %s, want replaced", s)
			}
			got := w.store.contents()
			if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != tt.invitations {
				t.Errorf("%d claims, %d users, %d invitations; want 1, 1, %d", len(got.claims), len(got.users), len(got.invitations), tt.invitations)
			}
		})
	}
}

// reissuedElsewhere is another writer issuing an invitation again.
func reissuedElsewhere(w *inviteWorld, invitationID string) {
	w.store.changeInvitation(tenantA, invitationID, func(inv *Invitation) {
		inv.SendSeq++
		inv.TokenHash = HashToken(newToken())
	})
}

func TestAnInviteThatKeepsLosingGivesUp(t *testing.T) {
	newEmail := func(w *inviteWorld, _ InviteResult) error {
		_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "bob@example.com", Role: "member"})
		return err
	}
	tests := []struct {
		name  string
		write string // the write that fails every time
		// writes is how many times it is tried: every attempt, except that
		// a re-invite's first bets on a new email (CreateInvitation).
		writes int
		// interfere is what happens before each of those writes.
		interfere func(w *inviteWorld, first InviteResult) error
		act       func(w *inviteWorld, first InviteResult) error
		code      string
	}{
		{"a new email whose every write collides", "CreateInvitation", maxInviteAttempts,
			func(*inviteWorld, InviteResult) error { return &ConflictError{Reason: ConflictConcurrentWrite} },
			newEmail, "concurrent_change"},
		{"a re-invite reissued elsewhere before every write", "ReissueInvitation", maxInviteAttempts - 1,
			func(w *inviteWorld, first InviteResult) error { reissuedElsewhere(w, first.Invitation.ID); return nil },
			func(w *inviteWorld, first InviteResult) error { _, err := reinviteOf(w, first); return err }, "concurrent_change"},
		{"a resend reissued elsewhere before every write", "ReissueInvitation", maxInviteAttempts,
			func(w *inviteWorld, first InviteResult) error { reissuedElsewhere(w, first.Invitation.ID); return nil },
			func(w *inviteWorld, first InviteResult) error { _, err := resendOf(w, first); return err }, ""},
		{"a revoke reissued elsewhere before every write", "RevokeInvitation", maxInviteAttempts,
			func(w *inviteWorld, first InviteResult) error { reissuedElsewhere(w, first.Invitation.ID); return nil },
			func(w *inviteWorld, first InviteResult) error {
				_, err := w.svc.RevokeInvitation(w.manager, first.Invitation.ID)
				return err
			}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			first := w.invite(w.acme, "ada@example.com")
			// left is ada's invitation as the other writer left it.
			left := w.storedInvitation(first.Invitation.ID)
			w.store.setHook(func(method string) error {
				if method != tt.write {
					return nil
				}
				err := tt.interfere(w, first)
				left = w.storedInvitation(first.Invitation.ID)
				return err
			})
			writesBefore := w.store.callsOf(tt.write)
			before := w.store.contents()
			err := tt.act(w, first)
			if code := conflictCode(t, err); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
			if n := w.store.callsOf(tt.write) - writesBefore; n != tt.writes {
				t.Errorf("%d writes, want %d", n, tt.writes)
			}
			after := w.store.contents()
			if inv := after.invitations[tenantKey{tenantA, first.Invitation.ID}]; !reflect.DeepEqual(inv, left) {
				t.Error("a losing attempt wrote ada's invitation")
			}
			before.invitations, after.invitations = nil, nil
			if !reflect.DeepEqual(after, before) {
				t.Error("the attempts that lost wrote something")
			}
		})
	}
}

// One person, one live link: a re-invite that read a lapsed invitation and
// is about to replace it loses to a resend of that invitation, and then
// reissues it instead of adding a second live one.
func TestAReinviteThatLosesToAResendOfTheLapsedInvitationReissuesIt(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	w.clock.advance(49 * time.Hour)
	var resent InviteResult
	// The prefetched mode reads the claim, the user and the lapsed
	// invitation, so its first write is the one that replaces it.
	w.store.raceOnce("CreateInvitation", func() {
		var err error
		if resent, err = resendOf(w, first); err != nil {
			t.Errorf("the resend: %v", err)
		}
	})
	report, err := w.svc.InviteMany(w.manager, w.acme.ID, []BulkEntry{{Input: "ada@example.com", Email: "ada@example.com", Role: "member"}}, BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := report.Results[0]; r.Status != BulkResent || r.Result.Invitation.ID != first.Invitation.ID {
		t.Fatalf("entry %s of %s (%v); want the lapsed invitation %s resent", r.Status, r.Result.Invitation.ID, r.Err, first.Invitation.ID)
	}
	if got := w.store.contents(); len(got.invitations) != 1 {
		t.Errorf("%d invitations for one person, want 1", len(got.invitations))
	}
	if s := w.linkState(linkToken(t, resent)); s != "replaced" {
		t.Errorf("the resend's link is %s, want replaced by the re-invite's reissue", s)
	}
}
