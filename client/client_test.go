package client_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/client"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// TestTheClientInvitesListsAndResends runs README.md's example against the
// local gateway, where every request and response is also checked against
// api/openapi.yaml.
func TestTheClientInvitesListsAndResends(t *testing.T) {
	api := testenv.NewAPI(t)
	_, key := api.Tenant(t, "Client Co")
	ctx := context.Background()

	pending, err := inviteFlow(ctx, api.URL, key)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inv := range pending {
		got = append(got, inv.Email)
		if inv.Status != client.InvitationStatusPending {
			t.Errorf("%s is %s, want pending", inv.Email, inv.Status)
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff([]string{"ada@acme.example", "grace@acme.example", "linus@acme.example"}, got); diff != "" {
		t.Errorf("pending invitations (-want +got):\n%s", diff)
	}

	// Run again: the Idempotency-Keys replay what the first run made, so
	// there is still one partner with three invitations.
	again, err := inviteFlow(ctx, api.URL, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 3 || again[0].PartnerId != pending[0].PartnerId {
		t.Errorf("second run: %d invitations of %s, want the first run's 3 of %s", len(again), again[0].PartnerId, pending[0].PartnerId)
	}
}

// TestTheGeneratedClientIsFresh fails when client.gen.go is not what
// api/openapi.yaml generates: run make generate.
func TestTheGeneratedClientIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	// The committed configuration, writing elsewhere.
	conf, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	conf = bytes.Replace(conf, []byte("\noutput: client.gen.go\n"), []byte("\noutput: "+out+"\n"), 1)
	if err := os.WriteFile(filepath.Join(dir, "oapi-codegen.yaml"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "oapi-codegen.yaml"), "../api/openapi.yaml")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("client/client.gen.go is stale: run make generate")
	}
}
