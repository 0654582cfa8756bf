package apigw_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// waitForImport polls a job with a key until it completes.
func waitForImport(t *testing.T, api *testenv.API, key, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		job := api.Do(t, "GET", "/v1/imports/"+id, key, nil).JSON(t)
		if job["status"] == "completed" {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not complete: %v", job["summary"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A link-only import's links can be read back once, by the key that made
// it, within a day; after that they are gone, and so is the chance.
func TestImportLinksAreShownOnceWithinADay(t *testing.T) {
	clock := testenv.NewClock(time.Now().UTC())
	api := testenv.NewAPIWithClock(t, clock)
	tenantID, key := api.Tenant(t, "Acme SaaS")
	_, other := api.Key(t, tenantID, partners.RoleManager)
	pid := newPartner(t, api, key, "Globex")
	csv := "email,role\n" + uniqueEmail(t, "a") + ",member\n" + uniqueEmail(t, "b") + ",member\n"
	r := api.Do(t, "POST", "/v1/partners/"+pid+"/invitations/import?async=true&send_email=false", key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)

	// Another manager key follows it: no links for it.
	if job := waitForImport(t, api, other, id); strings.Contains(fmt.Sprint(job["results"]), "/activate/") {
		t.Error("another key of the tenant read the links")
	}
	clock.Advance(25 * time.Hour)
	if job := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(job.Body), "/activate/") {
		t.Error("the links were shown after a day")
	}
	clock.Advance(-25 * time.Hour)
	if job := api.Do(t, "GET", "/v1/imports/"+id, key, nil); strings.Contains(string(job.Body), "/activate/") {
		t.Error("the links were still there after a read past their day")
	}
}

// A request that fails after writing its import's chunks but before the job
// leaves no job that cannot complete and invites no one; the retry imports
// every row once.
func TestAFailedImportStartInvitesNoOne(t *testing.T) {
	fault := testenv.NewFault()
	api := testenv.NewAPIWithOptions(t, app.Options{DynamoDBOptions: []func(*dynamodb.Options){fault.DynamoDBOption}})
	_, key := api.Tenant(t, "Acme SaaS")
	pid := newPartner(t, api, key, "Globex")
	csv := "email,role\n" + uniqueEmail(t, "a") + ",member\n" + uniqueEmail(t, "b") + ",member\nnot-an-email,member\n"
	failJob := true
	fault.FailWhile("PutItem", func(p any) bool {
		in, ok := p.(*dynamodb.PutItemInput)
		if !ok || !failJob {
			return false
		}
		t, _ := in.Item["type"].(*ddbtypes.AttributeValueMemberS)
		return t != nil && t.Value == "import"
	}, "InternalServerError")
	path := "/v1/partners/" + pid + "/invitations/import?async=true&send_email=false"
	wantStatus(t, api.Do(t, "POST", path, key, csv, "Content-Type", "text/csv"), http.StatusInternalServerError)
	time.Sleep(3 * time.Second) // the worker sees the chunks, and waits for a job that never comes
	if n := invitationCount(t, api, key, pid); n != 0 {
		t.Fatalf("%d invitations after the failed start, want 0", n)
	}

	failJob = false
	r := api.Do(t, "POST", path, key, csv, "Content-Type", "text/csv")
	wantStatus(t, r, http.StatusAccepted)
	job := waitForImport(t, api, key, r.JSON(t)["id"].(string))
	if s := job["summary"].(map[string]any); s["created"] != float64(2) || s["errors"] != float64(1) {
		t.Errorf("the retried import: %v", s)
	}
	if n := invitationCount(t, api, key, pid); n != 2 {
		t.Errorf("%d invitations, want 2", n)
	}
}
