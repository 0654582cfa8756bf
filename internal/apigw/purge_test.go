package apigw_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// purgeNow deletes an ended invitation as the table's TTL does: the
// stream carries the same REMOVE record (without the TTL's service
// identity, which the publisher does not rely on). DynamoDB Local's TTL
// does not delete on a test's time scale.
func purgeNow(t *testing.T, api *testenv.API, tenantID, invID string) {
	t.Helper()
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#" + tenantID}, "SK": &types.AttributeValueMemberS{Value: "I#" + invID}}
	_, err := api.App.DynamoDB.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName: aws.String(api.App.Config.TableName), Key: key,
		ConditionExpression: aws.String("attribute_exists(#ttl)"), ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
	})
	if err != nil {
		t.Fatalf("purge %s (it must carry a ttl): %v", invID, err)
	}
}

// When TTL purges an ended invitation, a person who never activated goes
// with it, and their address is free again; an active person stays. The
// purge itself is no event.
func TestAPurgedInvitationTakesItsNeverActivatedUser(t *testing.T) {
	api := testenv.NewAPI(t)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex Resellers")
	other := newPartner(t, api, key, "Initech")

	// Never activated: invited, revoked, purged.
	never := uniqueEmail(t, "never")
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{"email": never, "role": "member", "send_email": false})
	wantStatus(t, r, http.StatusCreated)
	neverInv := invitation(t, r)["id"].(string)
	wantStatus(t, api.Do(t, "POST", "/v1/invitations/"+neverInv+"/revoke", key, nil), http.StatusOK)

	// Active: accepted, purged.
	active := uniqueEmail(t, "active")
	path, activeInv := activationLink(t, api, key, pid, active)
	wantStatus(t, submit(t, api, path, url.Values{"password": {goodPassword}, "password_confirm": {goodPassword}}), http.StatusOK)

	before := eventsOf(t, api, key, "", 9)
	purgeNow(t, api, tenantID, neverInv)
	purgeNow(t, api, tenantID, activeInv)

	deadline := time.Now().Add(30 * time.Second)
	for {
		users := api.Do(t, "GET", "/v1/partners/"+pid+"/users", key, nil).JSON(t)["data"].([]any)
		var emails []string
		for _, u := range users {
			emails = append(emails, u.(map[string]any)["email"].(string))
		}
		if len(emails) == 1 && emails[0] == active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("users after the purges: %v, want only %s", emails, active)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The never-activated address is free for another partner; the active
	// one still belongs to its partner.
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+other+"/users", key, map[string]any{"email": never, "role": "member", "send_email": false}), http.StatusCreated)
	wantStatus(t, api.Do(t, "POST", "/v1/partners/"+other+"/users", key, map[string]any{"email": active, "role": "member", "send_email": false}), http.StatusConflict)
	// The purges made no event (the new invite made two).
	after := eventsOf(t, api, key, "", len(before)+2)
	if got := typesOf(after[len(before):]); !slices.Equal(got, []string{"partner_user.invited", "invitation.created"}) && !slices.Equal(got, []string{"invitation.created", "partner_user.invited"}) {
		t.Errorf("events after the purges: %v", got)
	}
}
