package partners

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// memStore is one in-memory store of what the Service reads and writes on
// the invite path (and what Accept reads). Each write checks every condition internal/dynamostore puts on
// its transaction before writing anything, in the same order, and reports
// the first that fails as the same *ConflictError: so the rules meet the
// answers the real store gives, without an emulator. A test makes a request
// lose a race on purpose by running another one just before a write (see
// raceOnce and beforeWrite).
type memStore struct {
	// What the invite path never calls (listings, renewal requests) is left
	// to the embedded nil interfaces: calling it panics.
	InvitationStore
	PartnerStore

	mu          sync.Mutex
	partners    map[tenantKey]Partner
	settings    map[string]Settings // by tenant
	claims      map[tenantKey]EmailClaim
	users       map[userKey]PartnerUser
	invitations map[tenantKey]Invitation
	tokens      map[string]Token // by hash
	sends       map[sendKey]int
	// calls counts the calls of each method, reads and writes.
	calls map[string]int
	// batchSizes are the sizes of the CreateInvitations calls, written or not.
	batchSizes []int
	// beforeWrite, when set, runs just before each write with the write's
	// name, outside the lock so that it may call the store or the Service
	// itself: another request getting in first. An error it returns is the
	// write's answer, as when DynamoDB refuses a colliding transaction.
	beforeWrite func(method string) error
}

// tenantKey is an item of one tenant: a partner, an invitation, or a claim
// (id is then the normalised email).
type tenantKey struct{ tenant, id string }

type userKey struct{ tenant, partner, user string }

// sendKey is one window of the send limits: the tenant's hour, or an
// address's day.
type sendKey struct{ tenant, window string }

func newMemStore() *memStore {
	return &memStore{
		partners: map[tenantKey]Partner{}, settings: map[string]Settings{}, claims: map[tenantKey]EmailClaim{},
		users: map[userKey]PartnerUser{}, invitations: map[tenantKey]Invitation{}, tokens: map[string]Token{},
		sends: map[sendKey]int{}, calls: map[string]int{},
	}
}

func keyOfUser(u PartnerUser) userKey { return userKey{u.TenantID, u.PartnerID, u.ID} }

// read counts a read and takes the lock, returning its unlock.
func (m *memStore) read(method string) (unlock func()) {
	m.mu.Lock()
	m.calls[method]++
	return m.mu.Unlock
}

// writing counts a write, runs the test's hook and, unless the hook refuses
// the write, does it under the lock.
func (m *memStore) writing(method string, do func() error) error {
	m.mu.Lock()
	m.calls[method]++
	hook := m.beforeWrite
	m.mu.Unlock()
	if hook != nil {
		if err := hook(method); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return do()
}

// setHook replaces beforeWrite.
func (m *memStore) setHook(hook func(method string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.beforeWrite = hook
}

// raceOnce runs race just before the next write of method: another request
// that gets in first. Every later write, the racer's own included, runs
// undisturbed.
func (m *memStore) raceOnce(method string, race func()) {
	var fired atomic.Bool
	m.setHook(func(got string) error {
		if got == method && fired.CompareAndSwap(false, true) {
			race()
		}
		return nil
	})
}

// callsOf returns how many times method was called.
func (m *memStore) callsOf(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[method]
}

// batches returns the sizes of the CreateInvitations calls so far.
func (m *memStore) batches() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.batchSizes)
}

// Reads.

func (m *memStore) Prefetch(_ context.Context, tenantID, partnerID string, emails []string) (Partner, Settings, map[string]EmailClaim, error) {
	defer m.read("Prefetch")()
	p, ok := m.partners[tenantKey{tenantID, partnerID}]
	if !ok {
		return Partner{}, Settings{}, nil, Errorf(NotFound, "No partner %s.", partnerID)
	}
	claims := map[string]EmailClaim{}
	for _, e := range emails {
		if c, ok := m.claims[tenantKey{tenantID, e}]; ok {
			claims[e] = c
		}
	}
	return clonePartner(p), m.settingsOf(tenantID), claims, nil
}

func (m *memStore) GetEmailClaim(_ context.Context, tenantID, email string) (EmailClaim, error) {
	defer m.read("GetEmailClaim")()
	return lookup(m.claims, tenantKey{tenantID, email}, "claim on "+email)
}

func (m *memStore) GetUser(_ context.Context, tenantID, partnerID, userID string) (PartnerUser, error) {
	defer m.read("GetUser")()
	return lookup(m.users, userKey{tenantID, partnerID, userID}, "user "+userID)
}

func (m *memStore) GetInvitation(_ context.Context, tenantID, invitationID string) (Invitation, error) {
	defer m.read("GetInvitation")()
	inv, err := lookup(m.invitations, tenantKey{tenantID, invitationID}, "invitation "+invitationID)
	return cloneInvitation(inv), err
}

func (m *memStore) GetToken(_ context.Context, hash string) (Token, error) {
	defer m.read("GetToken")()
	return lookup(m.tokens, hash, "token")
}

func (m *memStore) GetPartner(_ context.Context, tenantID, partnerID string) (Partner, error) {
	defer m.read("GetPartner")()
	p, err := lookup(m.partners, tenantKey{tenantID, partnerID}, "partner "+partnerID)
	return clonePartner(p), err
}

// lookup is the item at k, or NotFound naming what, as the real store's
// get answers.
func lookup[K comparable, V any](items map[K]V, k K, what string) (V, error) {
	v, ok := items[k]
	if !ok {
		return v, Errorf(NotFound, "No %s.", what)
	}
	return v, nil
}

func (m *memStore) GetSettings(_ context.Context, tenantID string) (Settings, error) {
	defer m.read("GetSettings")()
	return m.settingsOf(tenantID), nil
}

// settingsOf is a tenant's settings, or the defaults if it saved none, as
// the real store answers.
func (m *memStore) settingsOf(tenantID string) Settings {
	st, ok := m.settings[tenantID]
	if !ok {
		return DefaultSettings()
	}
	st.Roles = slices.Clone(st.Roles)
	st.NamedEmail = maps.Clone(st.NamedEmail)
	return st
}

func (m *memStore) PartnerPeople(_ context.Context, tenantID, partnerID string) ([]PartnerUser, []Invitation, error) {
	defer m.read("PartnerPeople")()
	var users []PartnerUser
	var invitations []Invitation
	for k, u := range m.users {
		if k.tenant == tenantID && k.partner == partnerID {
			users = append(users, u)
			if inv, ok := m.invitations[tenantKey{tenantID, u.InvitationID}]; ok && u.Status == UserInvited {
				invitations = append(invitations, inv)
			}
		}
	}
	return users, invitations, nil
}

// Writes.

func (m *memStore) PutSettings(_ context.Context, tenantID string, st Settings) error {
	return m.writing("PutSettings", func() error {
		st.Roles = slices.Clone(st.Roles)
		st.NamedEmail = maps.Clone(st.NamedEmail)
		m.settings[tenantID] = st
		return nil
	})
}

func (m *memStore) CreatePartner(_ context.Context, p Partner) error {
	return m.writing("CreatePartner", func() error {
		if _, ok := m.partners[tenantKey{p.TenantID, p.ID}]; ok {
			return Errorf(Conflict, "The partner already exists.")
		}
		m.partners[tenantKey{p.TenantID, p.ID}] = clonePartner(p)
		return nil
	})
}

func (m *memStore) UpdatePartner(_ context.Context, p Partner, expectedVersion int) error {
	return m.writing("UpdatePartner", func() error {
		stored, ok := m.partners[tenantKey{p.TenantID, p.ID}]
		switch {
		case !ok:
			return Errorf(NotFound, "No partner %s.", p.ID)
		case stored.Version != expectedVersion:
			return Errorf(Conflict, "Partner %s was changed by another request.", p.ID)
		}
		m.partners[tenantKey{p.TenantID, p.ID}] = clonePartner(p)
		return nil
	})
}

func (m *memStore) CreateInvitation(_ context.Context, n NewInvitation) error {
	return m.writing("CreateInvitation", func() error {
		if err := m.refuseNew(n); err != nil {
			return err
		}
		m.putNew(n)
		return nil
	})
}

func (m *memStore) CreateInvitations(_ context.Context, batch []NewInvitation) error {
	return m.writing("CreateInvitations", func() error {
		m.batchSizes = append(m.batchSizes, len(batch))
		if len(batch) > MaxInvitationsPerWrite {
			// DynamoDB refuses a transaction of more than 100 actions.
			return fmt.Errorf("create %d invitations: ValidationException: more actions than one transaction holds", len(batch))
		}
		if err := oneActionPerItem(batch); err != nil {
			return err
		}
		for _, n := range batch {
			if err := m.refuseNew(n); err != nil {
				return err
			}
		}
		for _, n := range batch {
			m.putNew(n)
		}
		return nil
	})
}

// oneActionPerItem refuses, as DynamoDB does, a transaction that writes one
// item twice: two invitations of one email, say.
func oneActionPerItem(batch []NewInvitation) error {
	seen := map[string]bool{}
	for _, n := range batch {
		items := []string{"user " + n.User.ID, "invitation " + n.Invitation.ID, "token " + n.Token.Hash}
		if n.Claim != nil {
			items = append(items, "claim "+n.Claim.Email)
		}
		for _, item := range items {
			if seen[item] {
				return errors.New("ValidationException: Transaction request cannot include multiple operations on one item")
			}
			seen[item] = true
		}
	}
	return nil
}

func (m *memStore) CreatePartnerWithInvitation(_ context.Context, p Partner, n NewInvitation) error {
	return m.writing("CreatePartnerWithInvitation", func() error {
		if _, ok := m.partners[tenantKey{p.TenantID, p.ID}]; ok {
			return &ConflictError{Reason: ConflictPartnerExists, Key: p.ID}
		}
		if err := m.refuseNew(n); err != nil {
			return err
		}
		m.partners[tenantKey{p.TenantID, p.ID}] = clonePartner(p)
		m.putNew(n)
		return nil
	})
}

// refuseNew checks the conditions of a NewInvitation's transaction in the
// real store's order: the partner (if asked), the claim, the user, the
// invitation, the token.
func (m *memStore) refuseNew(n NewInvitation) error {
	inv := n.Invitation
	if _, ok := m.partners[tenantKey{inv.TenantID, inv.PartnerID}]; n.CheckPartner && !ok {
		return &ConflictError{Reason: ConflictPartnerMissing, Key: inv.PartnerID}
	}
	if c := n.Claim; c != nil {
		if _, ok := m.claims[tenantKey{c.TenantID, c.Email}]; ok {
			return &ConflictError{Reason: ConflictEmailClaimed, Key: c.Email}
		}
	}
	stored, exists := m.users[keyOfUser(n.User)]
	if n.NewUser && exists ||
		!n.NewUser && (!exists || stored.InvitationID != n.PreviousInvitationID || stored.Status != UserInvited) {
		return &ConflictError{Reason: ConflictUserChanged, Key: n.User.ID}
	}
	if prev, ok := m.invitations[tenantKey{inv.TenantID, n.PreviousInvitationID}]; !n.NewUser && (!ok || prev.SendSeq != n.PreviousSendSeq) {
		return &ConflictError{Reason: ConflictInvitationChanged, Key: n.PreviousInvitationID}
	}
	if _, ok := m.invitations[tenantKey{inv.TenantID, inv.ID}]; ok {
		return &ConflictError{Reason: ConflictItemExists, Key: inv.ID}
	}
	if _, ok := m.tokens[n.Token.Hash]; ok {
		return &ConflictError{Reason: ConflictItemExists, Key: "token of " + inv.ID}
	}
	return nil
}

func (m *memStore) putNew(n NewInvitation) {
	if c := n.Claim; c != nil {
		m.claims[tenantKey{c.TenantID, c.Email}] = *c
	}
	m.users[keyOfUser(n.User)] = n.User
	m.invitations[tenantKey{n.Invitation.TenantID, n.Invitation.ID}] = cloneInvitation(n.Invitation)
	m.tokens[n.Token.Hash] = n.Token
}

func (m *memStore) ReissueInvitation(_ context.Context, prev, next Invitation, token Token, user *PartnerUser) error {
	return m.writing("ReissueInvitation", func() error {
		key := tenantKey{prev.TenantID, prev.ID}
		if stored, ok := m.invitations[key]; !ok || stored.SendSeq != prev.SendSeq || (stored.Status != InvitationPending && stored.Status != InvitationExpired) {
			return &ConflictError{Reason: ConflictInvitationChanged, Key: prev.ID}
		}
		if _, ok := m.tokens[token.Hash]; ok {
			return &ConflictError{Reason: ConflictItemExists, Key: "token of " + prev.ID}
		}
		owner := keyOfUser(PartnerUser{TenantID: prev.TenantID, PartnerID: prev.PartnerID, ID: prev.UserID})
		if u, ok := m.users[owner]; !ok || u.InvitationID != prev.ID || u.Status != UserInvited {
			return &ConflictError{Reason: ConflictUserChanged, Key: prev.UserID}
		}
		if user != nil {
			m.users[keyOfUser(*user)] = *user
		}
		m.invitations[key] = cloneInvitation(next)
		m.tokens[token.Hash] = token // the old tokens stay, to say they were replaced
		return nil
	})
}

func (m *memStore) RevokeInvitation(_ context.Context, inv Invitation) error {
	return m.writing("RevokeInvitation", func() error {
		key := tenantKey{inv.TenantID, inv.ID}
		stored, ok := m.invitations[key]
		if !ok || stored.SendSeq != inv.SendSeq || (stored.Status != InvitationPending && stored.Status != InvitationExpired) {
			return &ConflictError{Reason: ConflictInvitationChanged, Key: inv.ID}
		}
		// The real store updates these fields only, not the whole item.
		stored.Status, stored.RevokedAt, stored.UpdatedAt, stored.SealedToken = InvitationRevoked, inv.RevokedAt, inv.UpdatedAt, ""
		stored.ChangedBy, stored.PurgeAt = inv.ChangedBy, inv.PurgeAt
		m.invitations[key] = stored
		return nil
	})
}

func (m *memStore) DeclineInvitation(_ context.Context, inv Invitation) error {
	return m.writing("DeclineInvitation", func() error {
		key := tenantKey{inv.TenantID, inv.ID}
		stored, ok := m.invitations[key]
		if !ok || stored.SendSeq != inv.SendSeq || stored.Status != InvitationPending || stored.TokenHash != inv.TokenHash {
			return &ConflictError{Reason: ConflictInvitationChanged, Key: inv.ID}
		}
		stored.Status, stored.DeclinedAt, stored.UpdatedAt, stored.SealedToken = InvitationDeclined, inv.DeclinedAt, inv.UpdatedAt, ""
		stored.ChangedBy, stored.PurgeAt = inv.ChangedBy, inv.PurgeAt
		m.invitations[key] = stored
		return nil
	})
}

func (m *memStore) RecordRenewalRequest(_ context.Context, tenantID, invitationID string, at, notBefore time.Time) error {
	return m.writing("RecordRenewalRequest", func() error {
		key := tenantKey{tenantID, invitationID}
		stored, ok := m.invitations[key]
		switch {
		case !ok:
			return Errorf(NotFound, "No invitation %s.", invitationID)
		case !stored.RenewalRequestedAt.IsZero() && !stored.RenewalRequestedAt.Before(notBefore):
			return &ConflictError{Reason: ConflictRenewalRecent, Key: invitationID}
		}
		// The real store sets this field only.
		stored.RenewalRequestedAt = at
		m.invitations[key] = stored
		return nil
	})
}

// GetTenant answers for every tenant with a tenant of that id named after
// it: the invite path reads only names.
func (m *memStore) GetTenant(_ context.Context, id string) (Tenant, error) {
	defer m.read("GetTenant")()
	return Tenant{ID: id, Name: "Tenant " + id}, nil
}

// RecordDelivery stores a delivery if the invitation is still at sendSeq,
// as the real store's condition does.
func (m *memStore) RecordDelivery(_ context.Context, tenantID, invitationID string, sendSeq int, d Delivery, clearSealed bool) error {
	return m.writing("RecordDelivery", func() error {
		key := tenantKey{tenantID, invitationID}
		stored, ok := m.invitations[key]
		if !ok || stored.SendSeq != sendSeq {
			return &ConflictError{Reason: ConflictInvitationChanged, Key: invitationID}
		}
		stored.Delivery = d
		if clearSealed {
			stored.SealedToken = ""
		}
		m.invitations[key] = stored
		return nil
	})
}

func (m *memStore) ReserveTenantSends(_ context.Context, tenantID string, hour time.Time, n, limit int) (bool, error) {
	return m.reserve("ReserveTenantSends", tenantHour(tenantID, hour), n, limit)
}

func (m *memStore) ReserveRecipientSend(_ context.Context, tenantID, email string, day time.Time, limit int) (bool, error) {
	return m.reserve("ReserveRecipientSend", recipientDay(tenantID, email, day), 1, limit)
}

func (m *memStore) ReleaseTenantSends(_ context.Context, tenantID string, hour time.Time, n int) error {
	return m.release("ReleaseTenantSends", tenantHour(tenantID, hour), n)
}

func (m *memStore) ReleaseRecipientSend(_ context.Context, tenantID, email string, day time.Time) error {
	return m.release("ReleaseRecipientSend", recipientDay(tenantID, email, day), 1)
}

func tenantHour(tenantID string, hour time.Time) sendKey {
	return sendKey{tenantID, "hour " + hour.UTC().Format(time.RFC3339)}
}

func recipientDay(tenantID, email string, day time.Time) sendKey {
	return sendKey{tenantID, "day " + day.UTC().Format(time.DateOnly) + " " + email}
}

// reserve adds n to a window unless that passes limit, as the real store's
// conditional update does.
func (m *memStore) reserve(method string, k sendKey, n, limit int) (ok bool, err error) {
	err = m.writing(method, func() error {
		if ok = m.sends[k]+n <= limit; ok {
			m.sends[k] += n
		}
		return nil
	})
	return ok, err
}

// release gives n back to a window that has a count.
func (m *memStore) release(method string, k sendKey, n int) error {
	return m.writing(method, func() error {
		if _, ok := m.sends[k]; ok {
			m.sends[k] -= n
		}
		return nil
	})
}

// What tests set up and inspect, around the Service.

func (m *memStore) putPartner(p Partner) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.partners[tenantKey{p.TenantID, p.ID}] = clonePartner(p)
}

func (m *memStore) deletePartner(tenantID, partnerID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.partners, tenantKey{tenantID, partnerID})
}

func (m *memStore) putUser(u PartnerUser) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[keyOfUser(u)] = u
}

func (m *memStore) putInvitation(inv Invitation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invitations[tenantKey{inv.TenantID, inv.ID}] = cloneInvitation(inv)
}

func (m *memStore) putToken(t Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[t.Hash] = t
}

// changeInvitation changes a stored invitation in place, as another writer would.
func (m *memStore) changeInvitation(tenantID, invitationID string, change func(*Invitation)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv := m.invitations[tenantKey{tenantID, invitationID}]
	change(&inv)
	m.invitations[tenantKey{tenantID, invitationID}] = inv
}

// changeUser changes a stored user in place, as another writer would.
func (m *memStore) changeUser(tenantID, partnerID, userID string, change func(*PartnerUser)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[userKey{tenantID, partnerID, userID}]
	change(&u)
	m.users[userKey{tenantID, partnerID, userID}] = u
}

// storeContents is a copy of everything the store holds, to compare.
type storeContents struct {
	partners    map[tenantKey]Partner
	claims      map[tenantKey]EmailClaim
	users       map[userKey]PartnerUser
	invitations map[tenantKey]Invitation
	tokens      map[string]Token
	sends       map[sendKey]int
}

func (m *memStore) contents() storeContents {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := storeContents{
		partners: map[tenantKey]Partner{}, claims: maps.Clone(m.claims), users: maps.Clone(m.users),
		invitations: map[tenantKey]Invitation{}, tokens: maps.Clone(m.tokens), sends: maps.Clone(m.sends),
	}
	for k, p := range m.partners {
		c.partners[k] = clonePartner(p)
	}
	for k, inv := range m.invitations {
		c.invitations[k] = cloneInvitation(inv)
	}
	return c
}

// The store keeps values, not what the caller may still change: as a real
// store, which serialises them.

func cloneInvitation(inv Invitation) Invitation {
	inv.ResentAt = slices.Clone(inv.ResentAt)
	return inv
}

func clonePartner(p Partner) Partner {
	p.Programs = slices.Clone(p.Programs)
	if p.PrimaryContact != nil {
		c := *p.PrimaryContact
		p.PrimaryContact = &c
	}
	return p
}

// testClock is a clock that moves only when a test moves it, between the
// Service's calls.
type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

func (c *testClock) advance(d time.Duration) { c.now = c.now.Add(d) }
