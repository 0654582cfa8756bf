package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/idempotency"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

func newStore(t *testing.T) *dynamostore.Store {
	t.Helper()
	db := testenv.DynamoDB(t)
	return dynamostore.New(db, testenv.NewTable(t, db))
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 123_000_000, time.UTC)

func partner(tenantID, id string, created time.Time) partners.Partner {
	return partners.Partner{
		ID: id, TenantID: tenantID, Name: "Acme " + id, Status: partners.PartnerActive,
		OnboardingStatus: partners.OnboardingApproved, Programs: []string{}, CreatedAt: created, UpdatedAt: created, Version: 1,
	}
}

func TestPartnerRoundTripsEveryField(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	want := partners.Partner{
		ID: "ptr_01JD0000000000000000000001", TenantID: "ten_A", Name: "Acme Resellers GmbH",
		Status: partners.PartnerProspect, OnboardingStatus: partners.OnboardingPending,
		Programs: []string{"reseller", "referral"}, Country: "DE", City: "Berlin",
		LogoURL: "https://acme.example/logo.png",
		PrimaryContact: &partners.Contact{
			FirstName: "Ada", LastName: "Lovelace", Email: "Ada@Acme.example", JobTitle: "CTO", Phone: "+4930901820",
		},
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second), Version: 3,
	}
	if err := s.CreatePartner(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetPartner(ctx, "ten_A", want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := s.CreatePartner(ctx, want); !partners.IsKind(err, partners.Conflict) {
		t.Errorf("second create: got %v, want Conflict", err)
	}
}

func TestPartnerOfAnotherTenantIsNotFound(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	p := partner("ten_A", "ptr_01JD0000000000000000000001", t0)
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPartner(ctx, "ten_B", p.ID); !partners.IsKind(err, partners.NotFound) {
		t.Errorf("GetPartner from another tenant: got %v, want NotFound", err)
	}
	p.TenantID = "ten_B"
	if err := s.UpdatePartner(ctx, p, 1); !partners.IsKind(err, partners.NotFound) {
		t.Errorf("UpdatePartner from another tenant: got %v, want NotFound", err)
	}
}

func TestUpdatePartnerIsConditionalOnVersion(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	p := partner("ten_A", "ptr_01JD0000000000000000000001", t0)
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Name, p.Version = "Renamed", 2
	if err := s.UpdatePartner(ctx, p, 1); err != nil {
		t.Fatal(err)
	}
	p.Name, p.Version = "Stale", 2
	if err := s.UpdatePartner(ctx, p, 1); !partners.IsKind(err, partners.Conflict) {
		t.Errorf("stale update: got %v, want Conflict", err)
	}
	got, _ := s.GetPartner(ctx, "ten_A", p.ID)
	if got.Name != "Renamed" {
		t.Errorf("name = %q, want Renamed", got.Name)
	}
}

func TestListPartnersPagesNewestFirstWithFilters(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	var ids []string
	for i := range 7 {
		p := partner("ten_A", fmt.Sprintf("ptr_01JD00000000000000000000%02d", i), t0)
		if i%2 == 1 {
			p.Status = partners.PartnerInactive
		}
		if i < 3 {
			p.Programs = []string{"reseller"}
		}
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	// Another tenant's partner never shows.
	if err := s.CreatePartner(ctx, partner("ten_B", "ptr_01JD0000000000000000000099", t0)); err != nil {
		t.Fatal(err)
	}
	collect := func(f partners.PartnerFilter, limit int) [][]string {
		var pages [][]string
		position := ""
		for {
			items, next, err := s.ListPartners(ctx, "ten_A", f, position, limit)
			if err != nil {
				t.Fatal(err)
			}
			var page []string
			for _, p := range items {
				page = append(page, p.ID)
			}
			pages = append(pages, page)
			if next == "" {
				return pages
			}
			position = next
		}
	}
	tests := []struct {
		name   string
		filter partners.PartnerFilter
		limit  int
		want   [][]string
	}{
		{"all, pages of 3", partners.PartnerFilter{}, 3, [][]string{{ids[6], ids[5], ids[4]}, {ids[3], ids[2], ids[1]}, {ids[0]}}},
		{"exact last page has no next", partners.PartnerFilter{}, 7, [][]string{{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}}},
		{"status filter", partners.PartnerFilter{Status: partners.PartnerInactive}, 2, [][]string{{ids[5], ids[3]}, {ids[1]}}},
		{"program filter", partners.PartnerFilter{Program: "reseller"}, 10, [][]string{{ids[2], ids[1], ids[0]}}},
		{"both filters", partners.PartnerFilter{Status: partners.PartnerActive, Program: "reseller"}, 1, [][]string{{ids[2]}, {ids[0]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, collect(tt.filter, tt.limit)); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListPartnersRefusesAnotherTenantsPosition(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	for i := range 2 {
		if err := s.CreatePartner(ctx, partner("ten_B", fmt.Sprintf("ptr_01JD00000000000000000000%02d", i), t0)); err != nil {
			t.Fatal(err)
		}
	}
	_, next, err := s.ListPartners(ctx, "ten_B", partners.PartnerFilter{}, "", 1)
	if err != nil || next == "" {
		t.Fatalf("list: %q, %v", next, err)
	}
	for _, position := range []string{next, "not json", `{"pk":"T#ten_A"}`} {
		if _, _, err := s.ListPartners(ctx, "ten_A", partners.PartnerFilter{}, position, 1); !partners.IsKind(err, partners.Invalid) {
			t.Errorf("position %q: got %v, want Invalid", position, err)
		}
	}
}

func TestTenantsAndAPIKeys(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	tenant := partners.Tenant{ID: "ten_A", Name: "Acme SaaS", CreatedAt: t0}
	first := partners.APIKey{ID: "key_1", TenantID: "ten_A", Name: "default", Role: partners.RoleAdmin, Hash: "h1", CreatedAt: t0}
	if err := s.CreateTenant(ctx, tenant, first); err != nil {
		t.Fatal(err)
	}
	gotTenant, err := s.GetTenant(ctx, "ten_A")
	if err != nil || !cmp.Equal(gotTenant, tenant) {
		t.Fatalf("GetTenant = %+v, %v; want %+v", gotTenant, err, tenant)
	}
	viewer := partners.APIKey{ID: "key_2", TenantID: "ten_A", Name: "dashboard", Role: partners.RoleViewer, Hash: "h2", CreatedAt: t0}
	if err := s.CreateAPIKey(ctx, viewer); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAPIKey(ctx, viewer); !partners.IsKind(err, partners.Conflict) {
		t.Errorf("duplicate key: got %v, want Conflict", err)
	}
	got, err := s.GetAPIKeyByHash(ctx, "h2")
	if err != nil || !cmp.Equal(got, viewer) {
		t.Fatalf("GetAPIKeyByHash = %+v, %v; want %+v", got, err, viewer)
	}
	if err := s.RevokeAPIKey(ctx, "ten_A", "key_2", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetAPIKeyByHash(ctx, "h2")
	if !got.Revoked() || !got.RevokedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after revoke: %+v", got)
	}
	keys, err := s.ListAPIKeys(ctx, "ten_A")
	if err != nil || len(keys) != 2 || keys[0].Revoked() || !keys[1].Revoked() {
		t.Errorf("ListAPIKeys = %+v, %v", keys, err)
	}
	if err := s.RevokeAPIKey(ctx, "ten_B", "key_1", t0); !partners.IsKind(err, partners.NotFound) {
		t.Errorf("revoke another tenant's key: got %v, want NotFound", err)
	}
	if _, err := s.GetAPIKeyByHash(ctx, "nope"); !partners.IsKind(err, partners.NotFound) {
		t.Errorf("unknown hash: got %v, want NotFound", err)
	}
}

func TestIdempotencyRecords(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	rec := idempotency.Record{TenantID: "ten_A", Key: "k1", Fingerprint: "f1", CreatedAt: t0, ExpiresAt: t0.Add(idempotency.Retention)}
	if _, claimed, err := s.Begin(ctx, rec); err != nil || !claimed {
		t.Fatalf("first Begin: claimed=%v err=%v", claimed, err)
	}
	existing, claimed, err := s.Begin(ctx, rec)
	if err != nil || claimed || existing.Completed || existing.Fingerprint != "f1" {
		t.Fatalf("second Begin: %+v claimed=%v err=%v", existing, claimed, err)
	}
	rec.Completed = true
	rec.Response = idempotency.Response{Status: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"id":"x"}`}
	if err := s.Complete(ctx, rec); err != nil {
		t.Fatal(err)
	}
	existing, _, _ = s.Begin(ctx, rec)
	if diff := cmp.Diff(rec.Response, existing.Response); diff != "" || !existing.Completed {
		t.Errorf("stored response (-want +got):\n%s", diff)
	}
	// The same key in another tenant is another key.
	other := rec
	other.TenantID, other.Completed = "ten_B", false
	if _, claimed, _ := s.Begin(ctx, other); !claimed {
		t.Error("the key of another tenant blocked this one")
	}
	// A record past its expiry counts as absent even before TTL deletes it.
	late := rec
	late.Completed, late.CreatedAt = false, t0.Add(idempotency.Retention+time.Second)
	if _, claimed, _ := s.Begin(ctx, late); !claimed {
		t.Error("an expired record blocked its key")
	}
	if err := s.Release(ctx, "ten_A", "k1"); err != nil {
		t.Fatal(err)
	}
	if _, claimed, _ := s.Begin(ctx, rec); !claimed {
		t.Error("a released key stayed claimed")
	}

	// A body larger than any item (1.5 MB that does not compress) is stored
	// in parts and comes back whole; a key holding '#' is not confused with
	// another key's parts.
	big := make([]byte, 1_100_000)
	_, _ = rand.Read(big)
	for _, key := range []string{"big", "big#P0"} {
		rec := idempotency.Record{TenantID: "ten_A", Key: key, Fingerprint: "f", CreatedAt: t0, ExpiresAt: t0.Add(idempotency.Retention)}
		if _, claimed, err := s.Begin(ctx, rec); err != nil || !claimed {
			t.Fatalf("Begin %s: claimed=%v err=%v", key, claimed, err)
		}
		rec.Completed = true
		rec.Response = idempotency.Response{Status: 200, Body: key + base64.RawURLEncoding.EncodeToString(big)}
		if err := s.Complete(ctx, rec); err != nil {
			t.Fatalf("Complete %s: %v", key, err)
		}
	}
	for _, key := range []string{"big", "big#P0"} {
		got, _, err := s.Begin(ctx, idempotency.Record{TenantID: "ten_A", Key: key, CreatedAt: t0, ExpiresAt: t0.Add(idempotency.Retention)})
		if err != nil || got.Response.Body != key+base64.RawURLEncoding.EncodeToString(big) {
			t.Errorf("the large response of %s came back with %d bytes (err %v)", key, len(got.Response.Body), err)
		}
	}
}
