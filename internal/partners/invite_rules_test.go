package partners

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// The rules of inviting one person (invite.go), each against the store's
// resulting state.

func TestInvitingANewEmailCreatesItsClaimUserAndInvitation(t *testing.T) {
	w := newInviteWorld(t)
	res, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: " Ada@Example.com ", Role: "member", FirstName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeCreated {
		t.Errorf("outcome %s, want created", res.Outcome)
	}
	got := w.store.contents()
	if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 1 {
		t.Fatalf("%d claims, %d users, %d invitations; want one each", len(got.claims), len(got.users), len(got.invitations))
	}
	want := EmailClaim{TenantID: tenantA, Email: "ada@example.com", PartnerID: w.acme.ID, UserID: res.User.ID}
	if c := got.claims[tenantKey{tenantA, "ada@example.com"}]; c != want {
		t.Errorf("claim %+v, want %+v", c, want)
	}
	u := got.users[keyOfUser(res.User)]
	if u.Status != UserInvited || u.InvitationID != res.Invitation.ID || u.FirstName != "Ada" || u.Email != "Ada@Example.com" {
		t.Errorf("user %+v", u)
	}
	inv := w.storedInvitation(res.Invitation.ID)
	if inv.Status != InvitationPending || inv.SendSeq != 1 || !inv.ExpiresAt.Equal(w.clock.now.Add(48*time.Hour)) {
		t.Errorf("invitation %+v", inv)
	}
	if s := w.linkState(linkToken(t, res)); s != "live" {
		t.Errorf("the link is %s", s)
	}
	// The single mode's bet: a new email costs the settings and one write.
	if n := w.store.callsOf("GetEmailClaim") + w.store.callsOf("GetPartner"); n != 0 {
		t.Errorf("%d reads before the write, want none", n)
	}
	if n := w.store.callsOf("CreateInvitation"); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
}

func TestReinvitingAPendingInvitationResendsIt(t *testing.T) {
	w := newInviteWorld(t)
	first := w.invite(w.acme, "ada@example.com")
	w.clock.advance(time.Minute)
	again, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "ADA@example.com", Role: "admin", JobTitle: "CTO"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Outcome != OutcomeResent || again.Invitation.ID != first.Invitation.ID {
		t.Errorf("outcome %s of invitation %s, want resent of %s", again.Outcome, again.Invitation.ID, first.Invitation.ID)
	}
	got := w.store.contents()
	if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 1 {
		t.Fatalf("%d claims, %d users, %d invitations; want one each", len(got.claims), len(got.users), len(got.invitations))
	}
	inv := w.storedInvitation(first.Invitation.ID)
	if inv.SendSeq != 2 || inv.Role != "admin" || inv.TokenHash == first.Invitation.TokenHash || !slices.Equal(inv.ResentAt, []time.Time{w.clock.now}) {
		t.Errorf("invitation %+v, want SendSeq 2, role admin, a new token hash, one resend now", inv)
	}
	if u := got.users[keyOfUser(first.User)]; u.Role != "admin" || u.JobTitle != "CTO" {
		t.Errorf("user %+v, want the re-invite's role and job title", u)
	}
	if s := w.linkState(linkToken(t, first)); s != "replaced" {
		t.Errorf("the first link is %s, want replaced", s)
	}
	if s := w.linkState(linkToken(t, again)); s != "live" {
		t.Errorf("the new link is %s", s)
	}
}

func TestAnInviteIsRefusedForAnEmailThatIsTaken(t *testing.T) {
	tests := []struct {
		name string
		// setup makes ada@example.com taken and returns the Details the
		// refusal should carry.
		setup func(w *inviteWorld) map[string]any
	}{
		{"an active user of the partner", func(w *inviteWorld) map[string]any {
			res := w.invite(w.acme, "ada@example.com")
			w.accept(res)
			return map[string]any{"code": "already_active", "user_id": res.User.ID}
		}},
		{"a disabled user of the partner", func(w *inviteWorld) map[string]any {
			res := w.invite(w.acme, "ada@example.com")
			w.accept(res)
			w.store.changeUser(tenantA, w.acme.ID, res.User.ID, func(u *PartnerUser) { u.Status = UserDisabled })
			return map[string]any{"code": "user_disabled", "user_id": res.User.ID}
		}},
		{"a user of another partner", func(w *inviteWorld) map[string]any {
			w.invite(w.globex, "ada@example.com")
			return map[string]any{"code": "email_taken", "partner": map[string]any{"id": w.globex.ID, "name": "Globex"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			wantDetails := tt.setup(w)
			before := w.store.contents()
			_, err := w.svc.InviteUser(w.manager, w.acme.ID, InviteInput{Email: "Ada@example.com", Role: "member"})
			if got := wantError(t, err, Conflict).Details; !reflect.DeepEqual(got, wantDetails) {
				t.Errorf("details %v, want %v", got, wantDetails)
			}
			if after := w.store.contents(); !reflect.DeepEqual(after, before) {
				t.Error("a refused invite changed the store")
			}
		})
	}
}

func TestAnEndedInvitationNeverBlocksANewOne(t *testing.T) {
	tests := []struct {
		name   string
		end    func(w *inviteWorld, res InviteResult)
		status InvitationStatus // of the ended invitation, afterwards
	}{
		{"expired", func(w *inviteWorld, _ InviteResult) { w.clock.advance(49 * time.Hour) }, InvitationExpired},
		{"revoked", func(w *inviteWorld, res InviteResult) {
			if _, err := w.svc.RevokeInvitation(w.manager, res.Invitation.ID); err != nil {
				w.t.Fatal(err)
			}
		}, InvitationRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			ended := w.invite(w.acme, "ada@example.com")
			tt.end(w, ended)
			res := w.invite(w.acme, "ada@example.com")
			if res.Outcome != OutcomeCreated || res.Invitation.ID == ended.Invitation.ID || res.User.ID != ended.User.ID {
				t.Errorf("outcome %s, invitation %s, user %s; want a new invitation for user %s",
					res.Outcome, res.Invitation.ID, res.User.ID, ended.User.ID)
			}
			got := w.store.contents()
			if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 2 {
				t.Errorf("%d claims, %d users, %d invitations; want 1, 1, 2", len(got.claims), len(got.users), len(got.invitations))
			}
			if u := got.users[keyOfUser(ended.User)]; u.InvitationID != res.Invitation.ID || u.Status != UserInvited {
				t.Errorf("user %+v, want invited on the new invitation", u)
			}
			if st := w.storedInvitation(ended.Invitation.ID).StatusAt(w.clock.now); st != tt.status {
				t.Errorf("the ended invitation is %s, want %s", st, tt.status)
			}
		})
	}
}

func TestAnInviteToAnUnknownPartnerIsNotFound(t *testing.T) {
	tests := []struct {
		name   string
		invite func(w *inviteWorld, partnerID string) error
		// writes is how many invitation writes the answer costs: in the
		// single mode the partner's existence is a condition of the write.
		writes int
	}{
		{"single", func(w *inviteWorld, id string) error {
			_, err := w.svc.InviteUser(w.manager, id, InviteInput{Email: "ada@example.com", Role: "member"})
			return err
		}, 1},
		{"single, with a national phone: the partner is read for its country", func(w *inviteWorld, id string) error {
			_, err := w.svc.InviteUser(w.manager, id, InviteInput{Email: "ada@example.com", Role: "member", Phone: "030 901820"})
			return err
		}, 0},
		{"prefetched", func(w *inviteWorld, id string) error {
			_, err := w.svc.InviteMany(w.manager, id, []BulkEntry{{Email: "ada@example.com"}}, BulkOptions{Role: "member"})
			return err
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			before := w.store.contents()
			for _, id := range []string{newID(partnerIDPrefix, w.clock.now), "ptr_malformed"} {
				wantError(t, tt.invite(w, id), NotFound)
			}
			writes := w.store.callsOf("CreateInvitation") + w.store.callsOf("CreateInvitations")
			if writes != tt.writes {
				t.Errorf("%d writes, want %d", writes, tt.writes)
			}
			if after := w.store.contents(); !reflect.DeepEqual(after, before) {
				t.Error("an invite to an unknown partner changed the store")
			}
		})
	}
}

func TestAnInviteNamesEveryInvalidField(t *testing.T) {
	tests := []struct {
		name  string
		in    InviteInput
		want  []string // field names, in order
		codes []string
	}{
		{"bad email, unknown role", InviteInput{Email: "ada at example", Role: "owner"},
			[]string{"email", "role"}, []string{"invalid_email", "unknown_role"}},
		{"nothing given", InviteInput{},
			[]string{"email", "role"}, []string{"required", "required"}},
		{"lifetime out of range, plain-http redirect", InviteInput{Email: "ada@example.com", Role: "member", ExpiresInHours: 721, RedirectURL: "http://portal.example"},
			[]string{"expires_in_hours", "redirect_url"}, []string{"out_of_range", "invalid_url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			_, err := w.svc.InviteUser(w.manager, w.acme.ID, tt.in)
			if got := fields(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v", got, tt.want)
			}
			var codes []string
			for _, f := range wantError(t, err, Invalid).Fields {
				codes = append(codes, f.Code)
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("codes %v, want %v", codes, tt.codes)
			}
			if n := w.store.callsOf("CreateInvitation"); n != 0 {
				t.Errorf("%d writes of an invalid invite", n)
			}
		})
	}
}
