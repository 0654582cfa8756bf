package client_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/partnerinvites/partnerinvites/client"
)

// inviteFlow is README.md's example: create a partner, invite its people,
// list the pending invitations page by page, resend one; every POST with an
// Idempotency-Key, so that a retry never creates twice.
func inviteFlow(ctx context.Context, baseURL, apiKey string) (pending []client.Invitation, err error) {
	c, err := client.NewClientWithResponses(baseURL, client.WithRequestEditorFn(
		func(ctx context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+apiKey)
			return nil
		}))
	if err != nil {
		return nil, err
	}
	key := func(k string) *client.IdempotencyKey { return &k }

	// A partner, once, however often this runs within 24 hours.
	created, err := c.CreatePartnerWithResponse(ctx, &client.CreatePartnerParams{IdempotencyKey: key("partner-acme")},
		client.CreatePartnerRequest{Name: "Acme Resellers", Programs: &[]string{"reseller"}})
	if err != nil {
		return nil, err
	}
	if created.JSON201 == nil {
		return nil, fmt.Errorf("create partner: %s: %s", created.Status(), created.Body)
	}
	partner := created.JSON201

	// Three people, one request each.
	for _, email := range []string{"ada@acme.example", "grace@acme.example", "linus@acme.example"} {
		inv, err := c.InvitePartnerUserWithResponse(ctx, partner.Id, &client.InvitePartnerUserParams{IdempotencyKey: key("invite-" + email)},
			client.InviteUserRequest{Email: email, Role: "member"})
		if err != nil {
			return nil, err
		}
		if inv.JSON201 == nil && inv.JSON200 == nil {
			return nil, fmt.Errorf("invite %s: %s: %s", email, inv.Status(), inv.Body)
		}
	}

	// The pending invitations, two a page: follow next_cursor.
	status, limit := client.InvitationStatusPending, client.Limit(2)
	params := &client.ListInvitationsParams{Status: &status, PartnerId: &partner.Id, Limit: &limit}
	for {
		page, err := c.ListInvitationsWithResponse(ctx, params)
		if err != nil {
			return nil, err
		}
		if page.JSON200 == nil {
			return nil, fmt.Errorf("list invitations: %s: %s", page.Status(), page.Body)
		}
		pending = append(pending, page.JSON200.Data...)
		if !page.JSON200.HasMore {
			break
		}
		params.Cursor = page.JSON200.NextCursor
	}

	// A new link for the first, by email.
	resent, err := c.ResendInvitationWithResponse(ctx, pending[0].Id, &client.ResendInvitationParams{IdempotencyKey: key("resend-" + pending[0].Id)},
		client.ResendInvitationJSONRequestBody{})
	if err != nil {
		return nil, err
	}
	if resent.JSON200 == nil {
		return nil, fmt.Errorf("resend: %s: %s", resent.Status(), resent.Body)
	}
	return pending, nil
}

// Example shows the invitation flow against a stack (make dev serves one on
// 127.0.0.1:8080).
func Example() {
	pending, err := inviteFlow(context.Background(), "http://127.0.0.1:8080", "pik_…")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, inv := range pending {
		fmt.Println(inv.Email, inv.Status, inv.ExpiresAt)
	}
}
