package apigw_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// purgeNow sets an ended invitation's ttl in the past, so that the table's
// TTL (DynamoDB Local enforces it within seconds) deletes it, and waits
// until it is gone.
func purgeNow(t *testing.T, api *testenv.API, tenantID, invID string) {
	t.Helper()
	ctx := context.Background()
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#" + tenantID}, "SK": &types.AttributeValueMemberS{Value: "I#" + invID}}
	_, err := api.App.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(api.App.Config.TableName), Key: key, UpdateExpression: aws.String("SET #ttl = :past"),
		ExpressionAttributeNames:  map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":past": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := api.App.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(api.App.Config.TableName), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("TTL did not delete %s within a minute", invID)
		}
		time.Sleep(250 * time.Millisecond)
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
