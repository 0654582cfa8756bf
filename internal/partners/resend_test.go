package partners

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestAResendGivesANewLinkAndTheOldOneDies(t *testing.T) {
	tests := []struct {
		name     string
		lapse    time.Duration // from the invite to the resend
		hours    int           // ResendInput.ExpiresInHours
		lifetime time.Duration // of the new link
		marked   bool          // the expiry schedule marked it expired first
	}{
		{"pending", time.Minute, 0, 48 * time.Hour, false},
		{"expired", 49 * time.Hour, 0, 48 * time.Hour, false},
		{"expired and marked so by the schedule", 49 * time.Hour, 0, 48 * time.Hour, true},
		{"pending, with a lifetime of its own", time.Minute, 2, 2 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			first := w.invite(w.acme, "ada@example.com")
			w.clock.advance(tt.lapse)
			if tt.marked {
				w.markExpired(first.Invitation.ID)
			}
			res, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{ExpiresInHours: tt.hours})
			if err != nil || res.Outcome != OutcomeResent || res.Invitation.ID != first.Invitation.ID {
				t.Fatalf("outcome %s of %s, %v; want resent of %s", res.Outcome, res.Invitation.ID, err, first.Invitation.ID)
			}
			inv := w.storedInvitation(first.Invitation.ID)
			if !inv.PurgeAt.IsZero() {
				t.Errorf("the reissued invitation keeps a purge time (%v): TTL would delete it live", inv.PurgeAt)
			}
			if inv.StatusAt(w.clock.now) != InvitationPending || inv.SendSeq != 2 || !inv.ExpiresAt.Equal(w.clock.now.Add(tt.lifetime)) ||
				!slices.Equal(inv.ResentAt, []time.Time{w.clock.now}) {
				t.Errorf("invitation %+v, want pending at SendSeq 2 for %s, resent now", inv, tt.lifetime)
			}
			if s := w.linkState(linkToken(t, first)); s != "replaced" {
				t.Errorf("the old link is %s, want replaced", s)
			}
			if s := w.linkState(linkToken(t, res)); s != "live" {
				t.Errorf("the new link is %s", s)
			}
			got := w.store.contents()
			if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 1 || len(got.tokens) != 2 {
				t.Errorf("%d claims, %d users, %d invitations, %d tokens; want 1, 1, 1 and the two tokens",
					len(got.claims), len(got.users), len(got.invitations), len(got.tokens))
			}
		})
	}
}

func TestAnEndedInvitationCannotBeResentOrRevoked(t *testing.T) {
	endings := []struct {
		name string
		end  func(w *inviteWorld, res InviteResult)
		code string
	}{
		{"accepted", func(w *inviteWorld, res InviteResult) { w.accept(res) }, "invitation_accepted"},
		{"revoked", func(w *inviteWorld, res InviteResult) {
			if _, err := w.svc.RevokeInvitation(w.manager, res.Invitation.ID); err != nil {
				w.t.Fatal(err)
			}
		}, "invitation_revoked"},
	}
	actions := map[string]func(w *inviteWorld, id string) error{
		"resend": func(w *inviteWorld, id string) error {
			_, err := w.svc.ResendInvitation(w.manager, id, ResendInput{})
			return err
		},
		"revoke": func(w *inviteWorld, id string) error {
			_, err := w.svc.RevokeInvitation(w.manager, id)
			return err
		},
	}
	for _, ending := range endings {
		for action, act := range actions {
			t.Run(action+" "+ending.name, func(t *testing.T) {
				w := newInviteWorld(t)
				first := w.invite(w.acme, "ada@example.com")
				ending.end(w, first)
				before := w.store.contents()
				if code := conflictCode(t, act(w, first.Invitation.ID)); code != ending.code {
					t.Errorf("code %s, want %s", code, ending.code)
				}
				if after := w.store.contents(); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused %s changed the store", action)
				}
			})
		}
	}
}

func TestResendsAreThrottledToFiveAnHour(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	resend := func() error {
		w.clock.advance(time.Minute)
		_, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{})
		return err
	}
	for i := 1; i <= resendLimit; i++ {
		if err := resend(); err != nil {
			t.Fatalf("resend %d: %v", i, err)
		}
	}
	firstResend := w.storedInvitation(first.Invitation.ID).ResentAt[0]
	before := w.store.contents()
	err := resend()
	wantRetry := int(firstResend.Add(time.Hour).Sub(w.clock.now).Seconds()) + 1
	if got := wantError(t, err, RateLimited).Details["retry_after"]; got != wantRetry {
		t.Errorf("retry_after %v, want %d s", got, wantRetry)
	}
	if after := w.store.contents(); !reflect.DeepEqual(after, before) {
		t.Error("a throttled resend changed the store")
	}
	// An hour after the first resend, it no longer counts.
	w.clock.advance(firstResend.Add(time.Hour).Sub(w.clock.now) - time.Minute)
	if err := resend(); err != nil {
		t.Fatalf("a resend an hour after the first: %v", err)
	}
	if inv := w.storedInvitation(first.Invitation.ID); len(inv.ResentAt) != resendLimit || inv.SendSeq != resendLimit+2 {
		t.Errorf("%d resends within the hour at SendSeq %d, want %d at %d", len(inv.ResentAt), inv.SendSeq, resendLimit, resendLimit+2)
	}
}

func TestAnotherTenantsInvitationIsNotFound(t *testing.T) {
	tests := []struct {
		name string
		call func(w *inviteWorld, id string) error
	}{
		{"get", func(w *inviteWorld, id string) error {
			_, err := w.svc.GetInvitation(w.as(tenantB, RoleManager), id)
			return err
		}},
		{"resend", func(w *inviteWorld, id string) error {
			_, err := w.svc.ResendInvitation(w.as(tenantB, RoleManager), id, ResendInput{})
			return err
		}},
		{"revoke", func(w *inviteWorld, id string) error {
			_, err := w.svc.RevokeInvitation(w.as(tenantB, RoleManager), id)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			first := w.invite(w.acme, "ada@example.com")
			before := w.store.contents()
			for _, id := range []string{first.Invitation.ID, "inv_malformed"} {
				wantError(t, tt.call(w, id), NotFound)
			}
			if after := w.store.contents(); !reflect.DeepEqual(after, before) {
				t.Error("another tenant changed the store")
			}
		})
	}
}

// An invitation that expired and was followed by a new one for the same
// person is history: resending it, or renewing it from its page, would give
// one person two live links.
func TestAnInvitationReplacedForItsUserStaysDead(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	w.clock.advance(49 * time.Hour)
	second := w.invite(w.acme, "ada@example.com")
	if second.Invitation.ID == first.Invitation.ID {
		t.Fatalf("the re-invite reused invitation %s", first.Invitation.ID)
	}

	_, err := w.svc.ResendInvitation(w.manager, first.Invitation.ID, ResendInput{SendEmail: false})
	if code := conflictCode(t, err); code != "invitation_replaced" {
		t.Errorf("resending the replaced invitation: code %q, want invitation_replaced", code)
	}
	if got := w.storedInvitation(first.Invitation.ID); got.SendSeq != first.Invitation.SendSeq {
		t.Errorf("the replaced invitation was reissued: send_seq %d, was %d", got.SendSeq, first.Invitation.SendSeq)
	}
	if state := w.linkState(linkToken(t, first)); state != "replaced" {
		t.Errorf("the replaced invitation's link says %q, want replaced", state)
	}
	if state := w.linkState(linkToken(t, second)); state != "live" {
		t.Errorf("the new invitation's link says %q, want live", state)
	}
}

// A pending invitation whose person is active already (left so by an older
// version's race) is refused at once with what is wrong, not retried as a
// race and answered "changed by another request".
func TestAResendForAnActiveUserSaysSo(t *testing.T) {
	w := newInviteWorld(t)
	res := w.invite(w.acme, "ada@example.com")
	w.store.mu.Lock()
	u := w.store.users[keyOfUser(res.User)]
	u.Status = UserActive
	w.store.users[keyOfUser(res.User)] = u
	w.store.mu.Unlock()
	_, err := w.svc.ResendInvitation(w.manager, res.Invitation.ID, ResendInput{})
	if code := conflictCode(t, err); code != "user_active" {
		t.Errorf("code %q, want user_active", code)
	}
	if n := w.store.callsOf("ReissueInvitation"); n != 0 {
		t.Errorf("%d reissue attempts, want none", n)
	}
}
