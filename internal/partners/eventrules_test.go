package partners

import (
	"slices"
	"testing"
	"time"
)

func TestEventsOfEachChange(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	key := Actor{Kind: ActorAPIKey, ID: "key_1", Name: "default"}
	pending := Invitation{ID: "inv_1", TenantID: "ten_1", PartnerID: "ptr_1", UserID: "usr_1", Status: InvitationPending, SendSeq: 1,
		TokenHash: "secret-hash", SealedToken: "sealed", UpdatedAt: at, ChangedBy: key, Delivery: Delivery{Status: DeliveryQueued}}
	with := func(f func(*Invitation)) *Invitation { i := pending; f(&i); return &i }
	invited := PartnerUser{ID: "usr_1", TenantID: "ten_1", PartnerID: "ptr_1", Status: UserInvited, UpdatedAt: at, ChangedBy: key}
	active := invited
	active.Status = UserActive
	reset := active
	reset.PasswordResetAt = at.Add(time.Minute)
	partner := Partner{ID: "ptr_1", TenantID: "ten_1", Version: 1, UpdatedAt: at, ChangedBy: key}
	renamed := partner
	renamed.Version, renamed.Name = 2, "Renamed"

	for _, tt := range []struct {
		name string
		c    Change
		want []EventType
	}{
		{"new invitation", Change{NewInvitation: &pending}, []EventType{EventInvitationCreated}},
		{"email sent", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Status = DeliverySent })}, []EventType{EventInvitationSent}},
		{"a send attempt that failed and was requeued", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Attempts = 2; i.Delivery.Requeues = 1 })}, nil},
		{"delivery failed", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Status = DeliveryFailed })}, []EventType{EventInvitationDeliveryFailed}},
		{"bounced", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Status = DeliveryBounced })}, []EventType{EventInvitationBounced}},
		{"complaint", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Status = DeliveryComplained })}, []EventType{EventInvitationComplained}},
		{"delivered is no event", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Delivery.Status = DeliveryDelivered })}, nil},
		{"resent", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.SendSeq = 2 })}, []EventType{EventInvitationResent}},
		{"accepted", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Status = InvitationAccepted })}, []EventType{EventInvitationAccepted}},
		{"expired", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Status = InvitationExpired })}, []EventType{EventInvitationExpired}},
		{"revoked", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Status = InvitationRevoked })}, []EventType{EventInvitationRevoked}},
		{"declined", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Status = InvitationDeclined })}, []EventType{EventInvitationDeclined}},
		{"an expired one resent", Change{OldInvitation: with(func(i *Invitation) { i.Status = InvitationExpired }), NewInvitation: with(func(i *Invitation) { i.SendSeq = 2 })}, []EventType{EventInvitationResent}},
		{"revoked before its email went", Change{OldInvitation: &pending, NewInvitation: with(func(i *Invitation) { i.Status = InvitationRevoked; i.Delivery.Status = DeliveryNotSent })}, []EventType{EventInvitationRevoked}},
		{"invitation deleted by a caller", Change{OldInvitation: &pending}, nil},
		{"invitation purged by TTL", Change{OldInvitation: &pending, Purged: true}, nil},
		{"new user", Change{NewUser: &invited}, []EventType{EventPartnerUserInvited}},
		{"user activated", Change{OldUser: &invited, NewUser: &active}, []EventType{EventPartnerUserActivated}},
		{"user re-invited", Change{OldUser: &invited, NewUser: &invited}, nil},
		{"password reset", Change{OldUser: &active, NewUser: &reset}, []EventType{EventPartnerUserPasswordReset}},
		{"a reset user rewritten unchanged", Change{OldUser: &reset, NewUser: &reset}, nil},
		{"new partner", Change{NewPartner: &partner}, []EventType{EventPartnerCreated}},
		{"partner changed", Change{OldPartner: &partner, NewPartner: &renamed}, []EventType{EventPartnerUpdated}},
		{"partner rewritten unchanged", Change{OldPartner: &partner, NewPartner: &partner}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Sequence, tt.c.Source = "1", tt.name
			var got []EventType
			for _, e := range EventsOf(tt.c) {
				got = append(got, e.Type)
				if inv, ok := e.Object.(Invitation); ok && (inv.TokenHash != "" || inv.SealedToken != "") {
					t.Errorf("%s carries the token hash or the sealed token", e.Type)
				}
				if e.ID == "" || e.TenantID != "ten_1" || e.SubjectID == "" || e.Actor.Kind == "" {
					t.Errorf("%s lacks its id, tenant, subject or actor: %+v", e.Type, e)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventIDsAreStableAndSortByTimeThenStreamOrder(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	change := func(seq string) Change { return Change{Sequence: seq, Source: "T#ten_1#I#inv_1"} }
	a := eventID(change("100000000000000000007"), 0, EventInvitationCreated, at)
	if again := eventID(change("100000000000000000007"), 0, EventInvitationCreated, at); again != a {
		t.Errorf("the same change gave %s, then %s", a, again)
	}
	if other := eventID(change("100000000000000000007"), 1, EventInvitationSent, at); other <= a {
		t.Errorf("the second event of a change (%s) does not sort after the first (%s)", other, a)
	}
	// Two changes of one item in the same millisecond sort in stream order,
	// whatever their types (the frozen test clock makes this common).
	for _, tt := range []struct{ first, second EventType }{
		{EventInvitationExpired, EventInvitationResent},
		{EventInvitationResent, EventInvitationExpired},
	} {
		one := eventID(change("100000000000000000008"), 0, tt.first, at)
		two := eventID(change("100000000000000000009"), 0, tt.second, at)
		if two <= one {
			t.Errorf("%s then %s in one millisecond: ids %s, %s out of order", tt.first, tt.second, one, two)
		}
	}
	if later := eventID(change("100000000000000000001"), 0, EventInvitationCreated, at.Add(time.Millisecond)); later <= a {
		t.Errorf("a later event's id %s sorts before %s", later, a)
	}
	if fromOtherItem := eventID(Change{Sequence: "100000000000000000007", Source: "T#ten_1#I#inv_2"}, 0, EventInvitationCreated, at); fromOtherItem == a {
		t.Error("two items' changes share an id")
	}
}

func TestDeliveryEventsAreTheSystems(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	old := Invitation{ID: "inv_1", TenantID: "ten_1", Status: InvitationPending, SendSeq: 1, UpdatedAt: at,
		ChangedBy: Actor{Kind: ActorAPIKey, ID: "key_1"}, Delivery: Delivery{Status: DeliveryQueued}}
	sent := old
	sent.Delivery = Delivery{Status: DeliverySent, UpdatedAt: at.Add(time.Second)}
	evs := EventsOf(Change{Source: "s", OldInvitation: &old, NewInvitation: &sent})
	if len(evs) != 1 || evs[0].Actor != SystemActor || !evs[0].At.Equal(at.Add(time.Second)) {
		t.Errorf("sent event = %+v, want the system's at the delivery's time", evs)
	}
}
