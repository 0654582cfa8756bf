package partners

import (
	"context"
	"testing"
)

func TestPartnerUsersReachOnlyTheirScopedMethods(t *testing.T) {
	principal := func(role string) context.Context {
		return WithPrincipal(context.Background(), Principal{TenantID: "ten_1", PartnerUser: &PartnerUserPrincipal{PartnerID: "ptr_1", UserID: "usr_1", Role: role}})
	}
	tests := []struct {
		name   string
		ctx    context.Context
		perm   Permission
		wantOK bool
	}{
		{"an admin reads, scoped", withPartnerScope(principal("admin")), PermRead, true},
		{"an admin invites, scoped", withPartnerScope(principal("admin")), PermInvite, true},
		{"a member reads, scoped", withPartnerScope(principal("member")), PermRead, true},
		{"a member cannot invite", withPartnerScope(principal("member")), PermInvite, false},
		{"an admin cannot write partners", withPartnerScope(principal("admin")), PermWritePartners, false},
		{"an admin cannot manage settings", withPartnerScope(principal("admin")), PermManageSettings, false},
		{"an admin outside the partner routes cannot read", principal("admin"), PermRead, false},
		{"an admin outside the partner routes cannot invite", principal("admin"), PermInvite, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authorize(tt.ctx, tt.perm)
			if (err == nil) != tt.wantOK {
				t.Errorf("authorize = %v, want ok %v", err, tt.wantOK)
			}
			if err != nil && !IsKind(err, Forbidden) {
				t.Errorf("kind %v, want forbidden", KindOf(err))
			}
		})
	}
	if got := (Principal{PartnerUser: &PartnerUserPrincipal{UserID: "usr_1", Email: "ada@x.io"}}).actor(); got != (Actor{Kind: ActorPartnerUser, ID: "usr_1", Name: "ada@x.io"}) {
		t.Errorf("actor %+v", got)
	}
}
