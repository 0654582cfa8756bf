package partners

import (
	"context"
	"reflect"
	"slices"
	"testing"
)

// Who may do what: the roles' grants (principal.go) on each Service method
// that a tenant's key calls.

var (
	everyRole      = []Role{RoleAdmin, RoleManager, RoleViewer}
	writingRoles   = []Role{RoleAdmin, RoleManager}
	onlyAdminRoles = []Role{RoleAdmin}
)

// permissionCases are the Service's methods, each with the roles that may
// call it; ada's pending invitation is there to act on.
var permissionCases = []struct {
	name    string
	allowed []Role
	call    func(ctx context.Context, w *inviteWorld, ada Invitation) error
}{
	{"get a partner", everyRole, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.GetPartner(ctx, w.acme.ID)
		return err
	}},
	{"get a partner with its counts", everyRole, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, counts, err := w.svc.GetPartnerDetail(ctx, w.acme.ID)
		if err == nil && counts.Users[UserInvited] != 1 {
			w.t.Errorf("counts %v, want ada invited", counts.Users)
		}
		return err
	}},
	{"get an invitation", everyRole, func(ctx context.Context, w *inviteWorld, ada Invitation) error {
		_, err := w.svc.GetInvitation(ctx, ada.ID)
		return err
	}},
	{"get the settings", everyRole, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.GetSettings(ctx)
		return err
	}},
	{"invite", writingRoles, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.InviteUser(ctx, w.acme.ID, InviteInput{Email: "bob@example.com", Role: "member"})
		return err
	}},
	{"invite many", writingRoles, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.InviteMany(ctx, w.acme.ID, entriesOf("bob@example.com"), BulkOptions{Role: "member"})
		return err
	}},
	{"resend", writingRoles, func(ctx context.Context, w *inviteWorld, ada Invitation) error {
		_, err := w.svc.ResendInvitation(ctx, ada.ID, ResendInput{})
		return err
	}},
	{"revoke", writingRoles, func(ctx context.Context, w *inviteWorld, ada Invitation) error {
		_, err := w.svc.RevokeInvitation(ctx, ada.ID)
		return err
	}},
	{"create a partner", writingRoles, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.CreatePartner(ctx, PartnerInput{Name: "Initech"})
		return err
	}},
	{"update a partner", writingRoles, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		name := "Acme Corp"
		_, err := w.svc.UpdatePartner(ctx, w.acme.ID, PartnerPatch{Name: &name})
		return err
	}},
	{"change the settings", onlyAdminRoles, func(ctx context.Context, w *inviteWorld, _ Invitation) error {
		_, err := w.svc.UpdateSettings(ctx, DefaultSettings())
		return err
	}},
}

func TestEachRoleMayDoWhatItGrantsAndNothingElse(t *testing.T) {
	for _, role := range everyRole {
		for _, tt := range permissionCases {
			t.Run(string(role)+"/"+tt.name, func(t *testing.T) {
				w := newInviteWorld(t)
				ada := w.invite(w.acme, "ada@example.com").Invitation
				before := w.store.contents()
				err := tt.call(w.as(tenantA, role), w, ada)
				if slices.Contains(tt.allowed, role) {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				wantError(t, err, Forbidden)
				if after := w.store.contents(); !reflect.DeepEqual(after, before) {
					t.Error("a forbidden call changed the store")
				}
			})
		}
	}
}

func TestACallWithoutAKeyIsUnauthenticated(t *testing.T) {
	callers := map[string]func(w *inviteWorld) context.Context{
		"no key":             func(w *inviteWorld) context.Context { return w.t.Context() },
		"a key of no tenant": func(w *inviteWorld) context.Context { return WithPrincipal(w.t.Context(), Principal{Role: RoleAdmin}) },
	}
	for caller, ctx := range callers {
		for _, tt := range permissionCases {
			t.Run(caller+"/"+tt.name, func(t *testing.T) {
				w := newInviteWorld(t)
				ada := w.invite(w.acme, "ada@example.com").Invitation
				before := w.store.contents()
				wantError(t, tt.call(ctx(w), w, ada), Unauthenticated)
				if after := w.store.contents(); !reflect.DeepEqual(after, before) {
					t.Error("an unauthenticated call changed the store")
				}
			})
		}
	}
}
