package partners

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/phones"
)

// inviteWorld is a Service on a memStore at a fixed time, for the tests of
// the invite path: tenant A with two partners, Acme (where the tests invite)
// and Globex (whose emails Acme cannot have); tenant B has nothing.
type inviteWorld struct {
	t      *testing.T
	svc    *Service
	store  *memStore
	clock  *testClock
	acme   Partner
	globex Partner
	// manager is a manager key of tenant A: the caller of most tests.
	manager context.Context
}

const (
	tenantA        = "ten_a"
	tenantB        = "ten_b"
	activationBase = "https://invites.example"
)

func newInviteWorld(t *testing.T) *inviteWorld {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	store := newMemStore()
	tokens, err := NewTokenSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	w := &inviteWorld{t: t, store: store, clock: clock, svc: &Service{
		Invitations: store, Partners: store, Settings: store, SendQuota: store, Counter: store,
		Tokens: tokens, Cursors: newTestCursors(t, 3), ActivationBaseURL: activationBase, Clock: clock, Phones: phones.Normalize,
	}}
	w.acme = w.addPartner(tenantA, "Acme")
	w.globex = w.addPartner(tenantA, "Globex")
	w.manager = w.as(tenantA, RoleManager)
	return w
}

func (w *inviteWorld) addPartner(tenantID, name string) Partner {
	now := w.clock.now
	p := Partner{
		ID: newID(partnerIDPrefix, now), TenantID: tenantID, Name: name, Status: PartnerActive,
		OnboardingStatus: OnboardingApproved, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	w.store.putPartner(p)
	return p
}

// as is the context of a request with a key of the tenant and role.
func (w *inviteWorld) as(tenantID string, role Role) context.Context {
	return WithPrincipal(w.t.Context(), Principal{TenantID: tenantID, KeyID: "key_" + string(role), Role: role})
}

// invite invites email to a partner as a member, link only; the test fails
// if it fails.
func (w *inviteWorld) invite(p Partner, email string) InviteResult {
	w.t.Helper()
	res, err := w.svc.InviteUser(w.manager, p.ID, InviteInput{Email: email, Role: "member"})
	if err != nil {
		w.t.Fatalf("invite %s to %s: %v", email, p.Name, err)
	}
	return res
}

// accept makes an invitation accepted and its user active, as the accept
// transaction does.
func (w *inviteWorld) accept(res InviteResult) {
	now := w.clock.now
	w.store.changeInvitation(tenantA, res.Invitation.ID, func(inv *Invitation) {
		inv.Status, inv.AcceptedAt, inv.UpdatedAt, inv.SealedToken = InvitationAccepted, now, now, ""
	})
	w.store.changeUser(tenantA, res.User.PartnerID, res.User.ID, func(u *PartnerUser) {
		u.Status, u.Sub, u.UpdatedAt = UserActive, "sub-"+u.ID, now
	})
}

// storedInvitation is the invitation as the store holds it now.
func (w *inviteWorld) storedInvitation(id string) Invitation {
	w.t.Helper()
	inv, ok := w.store.contents().invitations[tenantKey{tenantA, id}]
	if !ok {
		w.t.Fatalf("no invitation %s stored", id)
	}
	return inv
}

// linkToken is the token in a link-only invite's link.
func linkToken(t *testing.T, res InviteResult) string {
	t.Helper()
	token, ok := strings.CutPrefix(res.Link, activationBase+"/activate/")
	if !ok {
		t.Fatalf("link %q is not an activation link", res.Link)
	}
	return token
}

// linkState is "live" for a link that opens its invitation, or the reason
// it is dead (replaced, expired, revoked, accepted).
func (w *inviteWorld) linkState(token string) string {
	w.t.Helper()
	_, err := w.svc.ResolveToken(w.t.Context(), token)
	var e *Error
	switch {
	case err == nil:
		return "live"
	case errors.As(err, &e) && e.Kind == Gone:
		return e.Details["reason"].(string)
	}
	w.t.Fatalf("resolve token: %v", err)
	return ""
}

// conflictCode is the code of a Conflict; any other answer fails the test.
func conflictCode(t *testing.T, err error) string {
	t.Helper()
	code, _ := wantError(t, err, Conflict).Details["code"].(string)
	return code
}

// wantError is the *Error in err's chain, which must be of the kind;
// anything else fails the test.
func wantError(t *testing.T, err error, kind Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("want %s, got %v", kind, err)
	}
	return e
}

// markExpired records an invitation expired as the expiry schedule does
// (MarkExpired): status expired, a purge time, the system as actor.
func (w *inviteWorld) markExpired(id string) {
	w.t.Helper()
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	key := tenantKey{tenantA, id}
	inv, ok := w.store.invitations[key]
	if !ok {
		w.t.Fatalf("no invitation %s stored", id)
	}
	inv.end(InvitationExpired, w.clock.now, SystemActor, 30*24*time.Hour)
	w.store.invitations[key] = inv
}
