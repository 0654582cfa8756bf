package partners

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

// Hand-written fakes of what Accept consumes besides the store (memStore,
// fakes_test.go).

type fakeTenants map[string]Tenant

func (f fakeTenants) GetTenant(_ context.Context, id string) (Tenant, error) { return f[id], nil }

type fakeMemberships struct {
	MembershipStore
	accepted []Membership
}

func (f *fakeMemberships) AcceptInvitation(_ context.Context, _ Invitation, _ PartnerUser, m Membership) error {
	f.accepted = append(f.accepted, m)
	return nil
}

type fakeLogin struct {
	Login
	password  string
	signedOut int
	disabled  bool
}

// fakeLogins is a set of pools; it records which pools were touched.
type fakeLogins struct {
	pools           map[string]map[string]*fakeLogin // pool id → email → login
	touched         map[string]int
	failSetPassword int
	subs            int
}

func (f *fakeLogins) pool(p LoginPool) map[string]*fakeLogin {
	f.touched[p.ID]++
	if f.pools[p.ID] == nil {
		f.pools[p.ID] = map[string]*fakeLogin{}
	}
	return f.pools[p.ID]
}

func (f *fakeLogins) Lookup(_ context.Context, p LoginPool, email string) (Login, bool, error) {
	l, ok := f.pool(p)[email]
	if !ok {
		return Login{}, false, nil
	}
	return l.Login, true, nil
}

func (f *fakeLogins) Create(_ context.Context, p LoginPool, n NewLogin) (Login, error) {
	if _, ok := f.pool(p)[n.Email]; ok {
		return Login{}, ErrLoginExists
	}
	f.subs++
	l := &fakeLogin{Login: Login{Sub: "sub-" + strconv.Itoa(f.subs), Unfinished: true, EmailVerified: n.EmailVerified}}
	f.pool(p)[n.Email] = l
	return l.Login, nil
}

func (f *fakeLogins) SetPassword(_ context.Context, p LoginPool, email, password string) error {
	if f.failSetPassword > 0 {
		f.failSetPassword--
		return errors.New("throttled")
	}
	l := f.pool(p)[email]
	l.password, l.Unfinished = password, false
	return nil
}

func (f *fakeLogins) CheckPassword(_ context.Context, p LoginPool, email, password string) (string, error) {
	l, ok := f.pool(p)[email]
	if !ok || l.Unfinished || l.password != password {
		return "", ErrWrongPassword
	}
	return l.Sub, nil
}

func (f *fakeLogins) MarkEmailVerified(_ context.Context, p LoginPool, email string) error {
	f.pool(p)[email].EmailVerified = true
	return nil
}

func (f *fakeLogins) SignOut(_ context.Context, p LoginPool, email string) error {
	f.pool(p)[email].signedOut++
	return nil
}

func (f *fakeLogins) SetEnabled(_ context.Context, p LoginPool, email string, enabled bool) error {
	if l, ok := f.pool(p)[email]; ok {
		l.disabled = !enabled
	}
	return nil
}

type fakeGuard map[string]PasswordFailures

func (f fakeGuard) GetPasswordFailures(_ context.Context, tenantID, sub string) (PasswordFailures, error) {
	return f[tenantID+sub], nil
}

func (f fakeGuard) AddPasswordFailure(_ context.Context, tenantID, sub string, now time.Time, window time.Duration) (PasswordFailures, error) {
	pf := f[tenantID+sub]
	if pf.Count == 0 || !pf.WindowStart.After(now.Add(-window)) {
		pf = PasswordFailures{WindowStart: now}
	}
	pf.Count++
	f[tenantID+sub] = pf
	return pf, nil
}

// acceptWorld is a service with two tenants, A and B, and one pending
// invitation at A for bob@x.example, whose link is token.
type acceptWorld struct {
	svc    *Service
	logins *fakeLogins
	clock  *testClock
	store  *memStore
	token  string
}

var (
	poolA = LoginPool{ID: "pool-a", ClientID: "client-a", Issuer: "https://idp/pool-a"}
	poolB = LoginPool{ID: "pool-b", ClientID: "client-b", Issuer: "https://idp/pool-b"}
)

func newAcceptWorld(delivery DeliveryStatus) *acceptWorld {
	clock := &testClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	token := newToken()
	inv := Invitation{
		ID: "inv_1", TenantID: "ten_a", PartnerID: "ptr_1", UserID: "usr_1", Email: "Bob@x.example", Role: "member",
		Status: InvitationPending, TokenHash: HashToken(token), ExpiresAt: clock.now.Add(48 * time.Hour),
		Delivery: Delivery{Status: delivery}, SendSeq: 1,
	}
	store := newMemStore()
	store.putPartner(Partner{ID: "ptr_1", TenantID: "ten_a", Name: "Globex"})
	store.putUser(PartnerUser{ID: "usr_1", TenantID: "ten_a", PartnerID: "ptr_1", Status: UserInvited})
	store.putInvitation(inv)
	store.putToken(Token{Hash: inv.TokenHash, TenantID: "ten_a", InvitationID: inv.ID})
	logins := &fakeLogins{pools: map[string]map[string]*fakeLogin{}, touched: map[string]int{}}
	svc := &Service{
		Invitations: store, Partners: store, Settings: store, Memberships: &fakeMemberships{}, Logins: logins, PasswordGuard: fakeGuard{},
		Tenants: fakeTenants{"ten_a": {ID: "ten_a", Pool: poolA}, "ten_b": {ID: "ten_b", Pool: poolB}},
		Clock:   clock,
	}
	return &acceptWorld{svc: svc, logins: logins, clock: clock, store: store, token: token}
}

func TestAcceptNeverTouchesAnotherTenantsPool(t *testing.T) {
	w := newAcceptWorld(DeliverySent)
	// Bob has a login at B, with a password A might try.
	w.logins.pools[poolB.ID] = map[string]*fakeLogin{"bob@x.example": {Login: Login{Sub: "sub-b"}, password: "Bobs-Own-Secret-1"}}

	view, err := w.svc.ViewActivation(t.Context(), w.token)
	if err != nil || view.HasLogin {
		t.Fatalf("A's page: HasLogin %v, err %v", view.HasLogin, err)
	}
	acc, err := w.svc.Accept(t.Context(), AcceptInput{Token: w.token, Password: "Bobs-Own-Secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !acc.NewLogin || acc.Membership.Sub == "sub-b" || acc.Login.Pool != poolA || acc.Login.Username != "bob@x.example" {
		t.Errorf("acceptance %+v", acc)
	}
	if n := w.logins.touched[poolB.ID]; n != 0 {
		t.Errorf("B's pool was called %d times", n)
	}
	if b := w.logins.pools[poolB.ID]["bob@x.example"]; b.password != "Bobs-Own-Secret-1" || b.Sub != "sub-b" {
		t.Errorf("B's login changed: %+v", b)
	}
}

func TestAcceptVerifiesEmailOnlyWithProof(t *testing.T) {
	tests := []struct {
		name     string
		delivery DeliveryStatus
		vouched  bool
		want     bool
	}{
		{"emailed link", DeliverySent, false, true},
		{"emailed link, still queued", DeliveryQueued, false, true},
		{"link-only", DeliveryNotSent, false, false},
		{"link-only, vouched by the tenant", DeliveryNotSent, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newAcceptWorld(tt.delivery)
			w.store.changeInvitation("ten_a", "inv_1", func(inv *Invitation) { inv.TenantVerifiedEmail = tt.vouched })
			if _, err := w.svc.Accept(t.Context(), AcceptInput{Token: w.token, Password: "Correct-Horse-42"}); err != nil {
				t.Fatal(err)
			}
			if got := w.logins.pools[poolA.ID]["bob@x.example"].EmailVerified; got != tt.want {
				t.Errorf("email_verified %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAcceptFinishesAHalfMadeLogin(t *testing.T) {
	w := newAcceptWorld(DeliverySent)
	w.logins.failSetPassword = 1
	in := AcceptInput{Token: w.token, Password: "Correct-Horse-42"}
	if _, err := w.svc.Accept(t.Context(), in); err == nil || KindOf(err) != Internal {
		t.Fatalf("first attempt: %v, want an internal (retryable) error", err)
	}
	if view, _ := w.svc.ViewActivation(t.Context(), w.token); view.HasLogin {
		t.Error("the page treats the half-made login as finished")
	}
	acc, err := w.svc.Accept(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.NewLogin || w.logins.subs != 1 || len(w.logins.pools[poolA.ID]) != 1 {
		t.Errorf("new_login %v, %d logins made", acc.NewLogin, w.logins.subs)
	}
}

func TestAcceptCeilingOnWrongPasswords(t *testing.T) {
	w := newAcceptWorld(DeliverySent)
	w.logins.pools[poolA.ID] = map[string]*fakeLogin{"bob@x.example": {Login: Login{Sub: "sub-a"}, password: "Correct-Horse-42"}}
	wrong := AcceptInput{Token: w.token, Password: "Wrong-Horse-42"}
	for i := 1; i <= maxPasswordFailures; i++ {
		var e *Error
		if _, err := w.svc.Accept(t.Context(), wrong); !errors.As(err, &e) || e.Kind != Invalid || e.Fields[0].Code != "wrong_password" {
			t.Fatalf("wrong password %d: %v", i, err)
		}
		w.clock.now = w.clock.now.Add(time.Minute)
	}
	right := AcceptInput{Token: w.token, Password: "Correct-Horse-42"}
	_, err := w.svc.Accept(t.Context(), right)
	var e *Error
	if !errors.As(err, &e) || e.Kind != RateLimited {
		t.Fatalf("the right password after five wrong: %v, want RateLimited", err)
	}
	// The window began at the first failure, five minutes ago.
	if ra := e.Details["retry_after"].(int); ra < 9*60 || ra > 10*60+1 {
		t.Errorf("retry_after %d s, want about 10 minutes", ra)
	}
	w.clock.now = w.clock.now.Add(10 * time.Minute)
	if _, err := w.svc.Accept(t.Context(), right); err != nil {
		t.Errorf("the right password after the window: %v", err)
	}
}
