package bench

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/app"
	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// acceptPassword meets the default password policy.
const acceptPassword = "Correct-Horse-42"

// acceptFunction serves POST /v1/activations.
const acceptFunction = "create-activation"

// BenchmarkAccept accepts 300 invitations, one at a time, with
// POST /v1/activations for a new login, and after each, on the same
// emulators, the floor of an acceptance: a bare AdminCreateUser and
// AdminSetUserPassword in the tenant's pool and a bare TransactWriteItems
// of the three items an acceptance writes (the invitation accepted, the
// user active, the membership). It reports both p50s and p99s, their ratio,
// and, to say where the difference comes from, each AWS call the
// function made with its p50.
func BenchmarkAccept(b *testing.B) {
	const n = 300
	calls := &callLog{}
	api := testenv.NewAPIWithOptionsAndConsumers(b, app.Options{
		DynamoDBOptions: []func(*dynamodb.Options){calls.dynamoDB},
		CognitoOptions:  []func(*cip.Options){calls.cognito},
	}, nil)
	tenantID, key := api.Tenant(b, "Bench SaaS")
	pid := api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Bench Partner", "country": "DE"}).JSON(b)["id"].(string)
	floor := &acceptFloor{api: api, cognito: api.Cognito(), pool: api.Pool(b, tenantID), tenantID: tenantID, partnerID: pid}
	stamp := time.Now().UnixNano()
	for b.Loop() {
		// One of each first: the first calls of a client pay for its
		// connections.
		accept(b, api, invite(b, api, key, pid, fmt.Sprintf("warm-%d@accept.example", stamp)))
		floor.accept(b, "warm")

		var handler, bare, refused, refusedCalls []time.Duration
		byCall, between := map[string][]time.Duration{}, map[string][]time.Duration{}
		var floorParts [3][]time.Duration
		for i := range n {
			token := invite(b, api, key, pid, fmt.Sprintf("person%d-%d@accept.example", i, stamp))
			calls.take()
			start := time.Now()
			accept(b, api, token)
			end := time.Now()
			handler = append(handler, end.Sub(start))
			// Each call's time, and the time outside the calls: before the
			// first (HTTP, gateway, decoding), after each (the code that
			// runs until the next call starts, or until the answer arrives).
			last := start
			gap := "before the first call"
			for _, c := range calls.take() {
				if c.function != acceptFunction {
					continue
				}
				byCall[c.name] = append(byCall[c.name], c.took)
				between[gap] = append(between[gap], c.start.Sub(last))
				last, gap = c.start.Add(c.took), "after "+c.name
			}
			between[gap] = append(between[gap], end.Sub(last))
			// Interleaved, so that both see the same emulators: their speed
			// drifts during a run more than the difference being measured.
			parts := floor.accept(b, fmt.Sprint(i))
			bare = append(bare, parts[0]+parts[1]+parts[2])
			for k, d := range parts {
				floorParts[k] = append(floorParts[k], d)
			}
			// A link we never made: answered after one read, it times the
			// HTTP, gateway and handler around an accept's calls.
			start = time.Now()
			if r := api.Do(b, "POST", "/v1/activations", "", map[string]any{"token": strings.Repeat("x", 43), "password": acceptPassword}); r.Status != http.StatusNotFound {
				b.Fatalf("unknown link: %d %s", r.Status, r.Body)
			}
			refused = append(refused, time.Since(start))
			for _, c := range calls.take() {
				if c.function == acceptFunction {
					refusedCalls = append(refusedCalls, c.took)
				}
			}
		}
		slices.Sort(handler)
		slices.Sort(bare)
		p50, p99, f50, f99 := percentile(handler, 50), percentile(handler, 99), percentile(bare, 50), percentile(bare, 99)
		b.ReportMetric(ms(p50), "p50-ms")
		b.ReportMetric(ms(p99), "p99-ms")
		b.ReportMetric(ms(f50), "floor-p50-ms")
		b.ReportMetric(ms(f99), "floor-p99-ms")
		b.ReportMetric(float64(p50)/float64(f50), "ratio-p50")
		b.Logf("POST /v1/activations (new login) over %d accepts: p50 %.2f ms, p99 %.2f ms; bare AdminCreateUser + AdminSetUserPassword + TransactWriteItems of the same 3 items: p50 %.2f ms, p99 %.2f ms; ratio of p50s %.2f",
			n, ms(p50), ms(p99), ms(f50), ms(f99), float64(p50)/float64(f50))
		detail(b, "BenchmarkAccept", fmt.Sprintf("Where an accept's time goes, over %d accepts (p50 %.2f ms, floor p50 %.2f ms):\n%s", n, ms(p50), ms(f50), acceptBreakdown(n, handler, byCall, between, floorParts, refused, refusedCalls)))
	}
}

// acceptBreakdown lists the function's AWS calls, each with how many an
// accept makes, its p50 and its mean, then the time outside them, then the
// floor's three calls and what a refused accept (an unknown link: one
// read) takes around its one call. The means add up to the accept's mean
// (the p50s do not: every call has a long tail).
func acceptBreakdown(n int, handler []time.Duration, byCall, between map[string][]time.Duration, floorParts [3][]time.Duration, refused, refusedCalls []time.Duration) string {
	var s strings.Builder
	row := func(name string, count int, d []time.Duration) time.Duration {
		per := ""
		if count > 0 {
			per = fmt.Sprintf("%.2f", float64(len(d))/float64(count))
		}
		total := time.Duration(0)
		for _, x := range d {
			total += x
		}
		// Per accept for the calls (count accepts), per item otherwise.
		of := count
		if of == 0 {
			of = max(1, len(d))
		}
		perAccept := total / time.Duration(of)
		fmt.Fprintf(&s, "  %-52s %10s %7.2f %7.2f\n", name, per, ms(percentile(slices.Sorted(slices.Values(d)), 50)), ms(perAccept))
		return perAccept
	}
	fmt.Fprintf(&s, "  %-52s %10s %7s %7s\n", "", "per accept", "p50 ms", "mean ms")
	var inCalls, outside time.Duration
	for _, name := range slices.Sorted(maps.Keys(byCall)) {
		inCalls += row(name, n, byCall[name])
	}
	fmt.Fprintf(&s, "  %-52s %10s %7s %7.2f\n", "in AWS calls", "", "", ms(inCalls))
	for _, name := range slices.Sorted(maps.Keys(between)) {
		outside += row("outside them: "+name, n, between[name])
	}
	fmt.Fprintf(&s, "  %-52s %10s %7s %7.2f\n", "outside AWS calls", "", "", ms(outside))
	row("the accept", 0, handler)
	var floor time.Duration
	for k, name := range []string{"floor: AdminCreateUser", "floor: AdminSetUserPassword", "floor: TransactWriteItems (3 items)"} {
		floor += row(name, 0, floorParts[k])
	}
	fmt.Fprintf(&s, "  %-52s %10s %7s %7.2f\n", "the floor", "", "", ms(floor))
	row("an unknown link's accept (404)", 0, refused)
	row("  of which its one GetItem token", 0, refusedCalls)
	return s.String()
}

// invite invites email link-only (no email is sent, so the acceptance
// makes the login with email_verified false, as the floor does) and returns
// its link's token.
func invite(b *testing.B, api *testenv.API, key, pid, email string) string {
	b.Helper()
	r := api.Do(b, "POST", "/v1/partners/"+pid+"/users", key, map[string]any{
		"email": email, "role": "member", "first_name": "Ada", "last_name": "Lovelace", "send_email": false,
	})
	if r.Status != http.StatusCreated {
		b.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	link := r.JSON(b)["invitation"].(map[string]any)["activation_url"].(string)
	return link[strings.LastIndex(link, "/")+1:]
}

func accept(b *testing.B, api *testenv.API, token string) {
	b.Helper()
	r := api.Do(b, "POST", "/v1/activations", "", map[string]any{"token": token, "password": acceptPassword})
	if r.Status != http.StatusOK || r.JSON(b)["new_login"] != true {
		b.Fatalf("accept: %d %s", r.Status, r.Body)
	}
}

// acceptFloor makes what an acceptance makes, with nothing else: the
// login, its password, and one transaction of the three items, with the
// conditions the product puts on them.
type acceptFloor struct {
	api                 *testenv.API
	cognito             *cip.Client
	pool                partners.LoginPool
	tenantID, partnerID string
}

// accept times the floor's three calls for a new person named by id.
func (f *acceptFloor) accept(b *testing.B, id string) [3]time.Duration {
	b.Helper()
	ctx := context.Background()
	db, table := f.api.App.DynamoDB, f.api.App.Config.TableName
	id = fmt.Sprintf("%s-%d", id, time.Now().UnixNano())
	email := "floor-" + id + "@accept.example"
	now := time.Now().UTC().Format(time.RFC3339Nano)
	pk := "T#" + f.tenantID
	invitation := func(status string) map[string]any {
		item := map[string]any{
			"PK": pk, "SK": "I#inv_" + id, "GSI1PK": pk + "#INVITATIONS", "GSI1SK": "inv_" + id,
			"type": "invitation", "id": "inv_" + id, "tenant_id": f.tenantID, "partner_id": f.partnerID, "user_id": "usr_" + id,
			"email": email, "email_normalized": email, "role": "member", "status": status, "token_hash": strings.Repeat("a", 64),
			"expires_at": now, "expires_ms": 1796308549734, "invited_by": "key_01M8S0H1E74DQ921THM1V1ZM1P", "send_seq": 1,
			"delivery_status": "not_sent", "delivery_attempts": 0, "created_at": now, "updated_at": now,
		}
		if status == "pending" {
			item["GSI2PK"], item["GSI2SK"] = "PENDING#1", now+"#"+f.tenantID+"#inv_"+id
		} else {
			item["accepted_at"] = now
		}
		return item
	}
	user := func(status, sub string) map[string]any {
		item := map[string]any{
			"PK": pk, "SK": "P#" + f.partnerID + "#U#usr_" + id, "type": "partner_user", "id": "usr_" + id,
			"tenant_id": f.tenantID, "partner_id": f.partnerID, "email": email, "first_name": "Ada", "last_name": "Lovelace",
			"role": "member", "status": status, "invitation_id": "inv_" + id, "created_at": now, "updated_at": now,
		}
		if sub != "" {
			item["cognito_sub"] = sub
		}
		return item
	}
	// What the invite wrote, untimed: the acceptance replaces it.
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		putItem(b, table, invitation("pending"), "", nil), putItem(b, table, user("invited", ""), "", nil),
	}}); err != nil {
		b.Fatal(err)
	}

	var took [3]time.Duration
	start := time.Now()
	created, err := f.cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(f.pool.ID), Username: aws.String(email), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)}, {Name: aws.String("email_verified"), Value: aws.String("false")},
		},
	})
	took[0] = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	_, err = f.cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(f.pool.ID), Username: aws.String(email), Password: aws.String(acceptPassword), Permanent: true,
	})
	took[1] = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	sub := ""
	for _, a := range created.User.Attributes {
		if aws.ToString(a.Name) == "sub" {
			sub = aws.ToString(a.Value)
		}
	}
	membership := map[string]any{
		"PK": "SUB#" + sub, "SK": pk + "#P#" + f.partnerID, "type": "membership", "sub": sub, "tenant_id": f.tenantID,
		"partner_id": f.partnerID, "user_id": "usr_" + id, "email": email, "role": "member", "created_at": now,
	}
	items := []types.TransactWriteItem{
		putItem(b, table, invitation("accepted"), "#status = :pending AND send_seq = :seq AND token_hash = :hash",
			map[string]any{":pending": "pending", ":seq": 1, ":hash": strings.Repeat("a", 64)}),
		putItem(b, table, user("active", sub), "#status = :invited AND invitation_id = :inv", map[string]any{":invited": "invited", ":inv": "inv_" + id}),
		putItem(b, table, membership, "", nil),
	}
	start = time.Now()
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	took[2] = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return took
}
