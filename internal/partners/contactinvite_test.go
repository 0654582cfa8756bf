package partners

import (
	"reflect"
	"testing"
)

func TestANewPartnersPrimaryContactIsInvitedAsAdmin(t *testing.T) {
	w := newInviteWorld(t)
	created, err := w.svc.CreatePartner(w.manager, PartnerInput{Name: "Initech", PrimaryContact: &Contact{Email: "Peter@initech.example", FirstName: "Peter"}})
	if err != nil {
		t.Fatal(err)
	}
	res := created.Invitation
	if res == nil || res.Outcome != OutcomeCreated || res.Invitation.Role != "admin" || res.Invitation.PartnerID != created.Partner.ID {
		t.Fatalf("invitation %+v, want peter invited as admin of the new partner", res)
	}
	got := w.store.contents()
	if _, ok := got.partners[tenantKey{tenantA, created.Partner.ID}]; !ok {
		t.Error("the partner was not stored")
	}
	if c := got.claims[tenantKey{tenantA, "peter@initech.example"}]; c.PartnerID != created.Partner.ID || c.UserID != res.User.ID {
		t.Errorf("claim %+v, want peter's at the new partner", c)
	}
	if s := w.linkState(linkToken(t, *res)); s != "live" {
		t.Errorf("peter's link is %s", s)
	}
}

func TestANewPartnerWhoseContactBelongsElsewhereIsNotCreated(t *testing.T) {
	tests := []struct {
		name string
		// claim gives ada to Acme: before the request, or while it writes.
		claim func(w *inviteWorld)
		// writes is how many writes the request tries: a claim seen
		// first spares the write.
		writes int
	}{
		{"claimed before", func(w *inviteWorld) { w.invite(w.acme, "ada@example.com") }, 0},
		{"claimed meanwhile", func(w *inviteWorld) {
			w.store.raceOnce("CreatePartnerWithInvitation", func() { w.invite(w.acme, "ada@example.com") })
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			before := w.store.contents()
			tt.claim(w)
			_, err := w.svc.CreatePartner(w.manager, PartnerInput{Name: "Initech", PrimaryContact: &Contact{Email: "ADA@example.com"}})
			want := map[string]any{"code": "email_taken", "partner": map[string]any{"id": w.acme.ID, "name": "Acme"}}
			if got := wantError(t, err, Conflict).Details; !reflect.DeepEqual(got, want) {
				t.Errorf("details %v, want %v", got, want)
			}
			if n := w.store.callsOf("CreatePartnerWithInvitation"); n != tt.writes {
				t.Errorf("%d writes, want %d", n, tt.writes)
			}
			got := w.store.contents()
			if !reflect.DeepEqual(got.partners, before.partners) {
				t.Error("a partner was created")
			}
			if len(got.claims) != 1 || len(got.users) != 1 || len(got.invitations) != 1 {
				t.Errorf("%d claims, %d users, %d invitations; want only Acme's ada", len(got.claims), len(got.users), len(got.invitations))
			}
		})
	}
}
