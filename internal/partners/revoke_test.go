package partners

import (
	"reflect"
	"testing"
	"time"
)

func TestARevokeKillsAPendingOrExpiredLink(t *testing.T) {
	for _, lapse := range []time.Duration{time.Minute, 49 * time.Hour} {
		t.Run("after "+lapse.String(), func(t *testing.T) {
			w := newInviteWorld(t)
			first, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ada@example.com", Role: "member", SendEmail: true})
			if err != nil {
				t.Fatal(err)
			}
			// A mailed link is known only to the email sender, sealed.
			token, err := w.svc.Tokens.Open(w.storedInvitation(first.Invitation.ID))
			if err != nil {
				t.Fatal(err)
			}
			w.clock.advance(lapse)
			res, err := w.svc.RevokeInvitation(w.manager, first.Invitation.ID)
			if err != nil {
				t.Fatal(err)
			}
			inv := w.storedInvitation(first.Invitation.ID)
			if inv.Status != InvitationRevoked || !inv.RevokedAt.Equal(w.clock.now) || inv.SealedToken != "" || !reflect.DeepEqual(inv, res) {
				t.Errorf("stored %+v, returned %+v; want revoked now, the sealed link dropped", inv, res)
			}
			if s := w.linkState(token); s != "revoked" {
				t.Errorf("the link is %s, want revoked", s)
			}
		})
	}
}

func TestARevokeThatLosesToAResendRevokesTheNewLink(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	var resent InviteResult
	w.store.raceOnce("RevokeInvitation", func() {
		var err error
		if resent, err = resendOf(w, first); err != nil {
			t.Errorf("the resend: %v", err)
		}
	})
	if _, err := w.svc.RevokeInvitation(w.manager, first.Invitation.ID); err != nil {
		t.Fatal(err)
	}
	if inv := w.storedInvitation(first.Invitation.ID); inv.Status != InvitationRevoked || inv.SendSeq != 2 {
		t.Errorf("invitation %s at SendSeq %d, want revoked at the resend's 2", inv.Status, inv.SendSeq)
	}
	if s := w.linkState(linkToken(t, resent)); s != "revoked" {
		t.Errorf("the resent link is %s, want revoked", s)
	}
	if n := w.store.callsOf("RevokeInvitation"); n != 2 {
		t.Errorf("%d revoke writes, want 2: the one that lost and the one that won", n)
	}
}
