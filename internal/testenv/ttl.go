package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/dynamostore"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// mortality is whether an item kind must carry a TTL: the records that can
// die do, so that the table never keeps what nobody will read again; the
// records of live things never do, so that TTL never deletes them.
type mortality int

const (
	lives           mortality = iota // never a ttl: the tenant's live data
	dies                             // always a ttl
	diesWhenEnded                    // a ttl once it ended (an invitation that is not pending)
	diesWhenRemoved                  // a ttl once the tenant removed it (a partner user)
)

// mortal classifies every item type. A type missing here fails every test
// that writes it, so that a new kind of item is classified when it is born.
var mortal = map[string]mortality{
	dynamostore.TypeTenant: lives, dynamostore.TypeAPIKey: lives, dynamostore.TypeSettings: lives,
	dynamostore.TypePartner: lives, dynamostore.TypeMembership: lives, dynamostore.TypeWebhookEndpoint: lives,
	dynamostore.TypePoolEntry: lives, // a tenant's pool → tenant lookup, as long as the tenant
	// A partner user who never activated, and their claim on the email,
	// are deleted with their last invitation when TTL purges it (the event
	// publisher; see docs/decisions.md), rather than by a ttl of their own;
	// a user the tenant removed is kept for the retention, then purged.
	dynamostore.TypePartnerUser: diesWhenRemoved, dynamostore.TypeEmailClaim: lives,
	dynamostore.TypeInvitation: diesWhenEnded,
	dynamostore.TypeToken:      dies, dynamostore.TypeImport: dies, dynamostore.TypeImportChunk: dies,
	dynamostore.TypeIdempotency: dies, dynamostore.TypeIdempotencyPart: dies, dynamostore.TypePasswordFailures: dies,
	dynamostore.TypeSendCount: dies, dynamostore.TypeRateCount: dies, dynamostore.TypeEvent: dies,
	dynamostore.TypeWebhookDelivery: dies,
	dynamostore.TypePasswordReset:   dies, dynamostore.TypeResetToken: dies, dynamostore.TypeResetCount: dies,
	"test_clock": lives, // the local stack's clock (localgw)
}

// CheckTTLs scans a table and reports every item whose ttl breaks its
// kind's rule. It runs after every test of the product (NewAPI), so that
// every flow the suite exercises leaves only items that follow it.
func CheckTTLs(ctx context.Context, db *dynamodb.Client, table string) error {
	var problems []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			kind, _ := item["type"].(*types.AttributeValueMemberS)
			if kind == nil {
				problems = append(problems, fmt.Sprintf("%s %s has no type", key(item, "PK"), key(item, "SK")))
				continue
			}
			_, hasTTL := item[dynamostore.Table.TTLAttribute]
			rule, known := mortal[kind.Value]
			want := false
			switch {
			case !known:
				problems = append(problems, fmt.Sprintf("item type %q is not classified in testenv/ttl.go", kind.Value))
				continue
			case rule == dies:
				want = true
			case rule == diesWhenEnded:
				status, _ := item["status"].(*types.AttributeValueMemberS)
				want = status == nil || status.Value != string(partners.InvitationPending)
			case rule == diesWhenRemoved:
				status, _ := item["status"].(*types.AttributeValueMemberS)
				want = status != nil && status.Value == string(partners.UserRemoved)
			}
			if hasTTL != want {
				problems = append(problems, fmt.Sprintf("%s %s (%s): ttl %v, want %v", key(item, "PK"), key(item, "SK"), kind.Value, hasTTL, want))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("TTL rules broken:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

func key(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// checkTTLsAfter checks the API's table when the test ends well.
func checkTTLsAfter(t testing.TB, db *dynamodb.Client, table string) {
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		if err := CheckTTLs(context.Background(), db, table); err != nil {
			t.Error(err)
		}
	})
}
