package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/localgw"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// inviteWay is one way of inviting people that BenchmarkWriteCost measures.
type inviteWay struct {
	name string // also the metrics' prefix
	what string
	// people is how many it invites.
	people    int
	sendEmail bool
	// invite invites emails to the partner; it returns when every
	// invitation is written.
	invite func(b *testing.B, api *testenv.API, tenantID, key, pid string, emails []string, sendEmail bool)
}

var inviteWays = []inviteWay{
	{"invite-one", "POST /v1/partners/{id}/users, one request per person", 100, true, inviteEach},
	{"invite-one-link-only", "POST /v1/partners/{id}/users with send_email false", 100, false, inviteEach},
	{"bulk", "POST /v1/partners/{id}/invitations, 100 addresses a request", 200, true, inviteInBulk(100)},
	{"csv-in-request", "POST /v1/partners/{id}/invitations/import, 500 rows answered in the request", 500, true, importCSVRows},
	{"csv-job", "POST /v1/partners/{id}/invitations/import, 1,250 rows: an import job", 1250, true, importCSVRows},
}

// BenchmarkWriteCost counts the write capacity that inviting costs, per
// invitation, for each way of inviting: every write the functions make,
// until the email sender has sent every email and recorded it, is priced
// item by item by DynamoDB's rules (capacity_test.go says why not by what
// DynamoDB Local reports, and logs that beside it) and summed by call and
// by kind of item. A benchmark for its metrics, not its time: one pass is
// the figure.
func BenchmarkWriteCost(b *testing.B) {
	meter, sent := newCapacityMeter(), &sesCounter{}
	api := testenv.NewAPIWithOptionsAndConsumers(b, app.Options{
		DynamoDBOptions: []func(*dynamodb.Options){meter.option},
		SESOptions:      []func(*sesv2.Options){sent.option},
	}, []string{apigw.SendInvitationEmailFunction, apigw.ProcessImportFunction})
	one, two := transactionReports(b, api.App.DynamoDB, api.App.Config.TableName)
	b.Logf("this DynamoDB reports %.0f WCU for a transaction of one small item and %.0f for two (DynamoDB's rules: 2 and 4), so the meter prices items itself", one, two)
	meter.watch(api.App.DynamoDB, api.App.Config.TableName)
	stamp := time.Now().UnixNano()
	for b.Loop() {
		var details strings.Builder
		for _, way := range inviteWays {
			tenantID, key := api.Tenant(b, "Bench "+way.name)
			// Room for every email: the default is 1,000 an hour.
			limits := map[string]any{"send_limits": map[string]any{"emails_per_hour": partners.MaxSendLimits.EmailsPerHour}}
			if r := api.Do(b, "PUT", "/v1/settings", key, limits); r.Status != http.StatusOK {
				b.Fatalf("settings: %d %s", r.Status, r.Body)
			}
			pid := api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Bench Partner", "country": "GB"}).JSON(b)["id"].(string)
			emails := make([]string, way.people)
			for i := range emails {
				emails[i] = fmt.Sprintf("person%d-%d@%s.cost.example", i, stamp, way.name)
			}
			wantSent := sent.count()
			if way.sendEmail {
				wantSent += way.people
			}
			meter.reset()
			way.invite(b, api, tenantID, key, pid, emails, way.sendEmail)
			settle(b, meter, sent, wantSent)
			r := meter.report(way.people)
			b.ReportMetric(r.wcu, way.name+"-WCU/invitation")
			b.Logf("%s: %.2f WCU per invitation (%.2f with a transaction's index writes doubled too; DynamoDB Local reported %.2f), %d invitations",
				way.name, r.wcu, r.withTxnIndexes, r.reported, way.people)
			fmt.Fprintf(&details, "== %s: %s, %d invitations, send_email %v\n%s\n\n", way.name, way.what, way.people, way.sendEmail, r)
		}
		detail(b, "BenchmarkWriteCost", details.String())
	}
}

// transactionReports is what this DynamoDB reports for a transaction of
// one small item and for one of two.
func transactionReports(b *testing.B, db *dynamodb.Client, table string) (one, two float64) {
	b.Helper()
	var reported [2]float64
	for n := range 2 {
		var items []types.TransactWriteItem
		for i := range n + 1 {
			items = append(items, putItem(b, table, map[string]any{"PK": "BENCH#capacity", "SK": fmt.Sprint(n, i)}, "", nil))
		}
		out, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: items, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			b.Fatal(err)
		}
		for _, cc := range out.ConsumedCapacity {
			reported[n] += aws.ToFloat64(cc.CapacityUnits)
		}
	}
	return reported[0], reported[1]
}

// settle waits until the email sender has sent want emails in all and the
// functions have stopped writing (the sender records each delivery after
// SES answers).
func settle(b *testing.B, meter *capacityMeter, sent *sesCounter, want int) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	last, quiet := -1, 0
	for quiet < 3 {
		if time.Now().After(deadline) {
			b.Fatalf("%d emails sent of %d after 10 minutes", sent.count(), want)
		}
		time.Sleep(500 * time.Millisecond)
		n := meter.writeCount()
		if n == last && sent.count() >= want {
			quiet++
		} else {
			quiet = 0
		}
		last = n
	}
}

func inviteEach(b *testing.B, api *testenv.API, _, key, pid string, emails []string, sendEmail bool) {
	for _, email := range emails {
		r := api.Do(b, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
			"email": email, "role": "member", "first_name": "Ada", "last_name": "Lovelace", "send_email": sendEmail,
		})
		if r.Status != http.StatusCreated {
			b.Fatalf("invite: %d %s", r.Status, r.Body)
		}
	}
}

func inviteInBulk(perRequest int) func(*testing.B, *testenv.API, string, string, string, []string, bool) {
	return func(b *testing.B, api *testenv.API, _, key, pid string, emails []string, sendEmail bool) {
		for start := 0; start < len(emails); start += perRequest {
			batch := emails[start:min(start+perRequest, len(emails))]
			r := api.Do(b, "POST", "/v1/partners/"+pid+"/invitations", key, map[string]any{"emails": batch, "role": "member", "send_email": sendEmail})
			if r.Status != http.StatusOK || r.JSON(b)["summary"].(map[string]any)["created"] != float64(len(batch)) {
				b.Fatalf("bulk invite: %d %.500s", r.Status, r.Body)
			}
		}
	}
}

// importCSVRows imports the emails as one CSV file: answered in the
// request up to SyncImportRows rows, an import job above, which it waits
// for by reading the store (the API's GET /v1/imports/{id} would count its
// own writes).
func importCSVRows(b *testing.B, api *testenv.API, tenantID, key, pid string, emails []string, sendEmail bool) {
	var csv strings.Builder
	csv.WriteString("email,role,first_name,last_name,phone,job_title\r\n")
	for i, email := range emails {
		fmt.Fprintf(&csv, "%s,member,Person,Number %d,+44 20 7946 %04d,Partner engineer\r\n", email, i, i%10000)
	}
	r := api.Do(b, "POST", fmt.Sprintf("/v1/partners/%s/invitations/import?send_email=%v", pid, sendEmail), key, csv.String(), "Content-Type", "text/csv")
	switch {
	case r.Status == http.StatusOK && r.JSON(b)["summary"].(map[string]any)["created"] == float64(len(emails)):
		return
	case r.Status != http.StatusAccepted:
		b.Fatalf("import: %d %.500s", r.Status, r.Body)
	}
	id := r.JSON(b)["id"].(string)
	for {
		imp, err := api.App.Store.GetImport(context.Background(), tenantID, id)
		if err != nil {
			b.Fatal(err)
		}
		if imp.Status == partners.ImportCompleted {
			if imp.Created != len(emails) {
				b.Fatalf("import %s created %d of %d", id, imp.Created, len(emails))
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sesCounter counts the emails the functions' SES clients sent.
type sesCounter struct {
	mu   sync.Mutex
	sent int
}

func (c *sesCounter) option(o *sesv2.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.sesCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if _, send := in.Parameters.(*sesv2.SendEmailInput); send && err == nil && localgw.FunctionOf(ctx) != "" {
					c.mu.Lock()
					c.sent++
					c.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	})
}

func (c *sesCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}
