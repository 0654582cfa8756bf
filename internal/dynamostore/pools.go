package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// A pool entry (POOL#<pool id> / POOL) names the tenant of a login pool:
// the token trigger's event and an ID token's issuer name only the pool.
// It is written with the tenant, in the same transaction; tenants made
// before it existed get theirs from `partnerctl tenant sync-pools`.
const poolSK = "POOL"

func poolPK(poolID string) string { return "POOL#" + poolID }

type poolRecord struct {
	keys
	Type         string `dynamodbav:"type"`
	TenantID     string `dynamodbav:"tenant_id"`
	PoolID       string `dynamodbav:"user_pool_id"`
	PoolClientID string `dynamodbav:"user_pool_client_id"`
	PoolIssuer   string `dynamodbav:"user_pool_issuer"`
}

func newPoolRecord(t partners.Tenant) poolRecord {
	return poolRecord{
		keys: keys{PK: poolPK(t.Pool.ID), SK: poolSK}, Type: TypePoolEntry,
		TenantID: t.ID, PoolID: t.Pool.ID, PoolClientID: t.Pool.ClientID, PoolIssuer: t.Pool.Issuer,
	}
}

// TenantOfPool returns the tenant whose login pool poolID is: its id and
// pool (not its name). NotFound if no tenant's.
func (s *Store) TenantOfPool(ctx context.Context, poolID string) (partners.Tenant, error) {
	var r poolRecord
	if err := s.get(ctx, poolPK(poolID), poolSK, "login pool "+poolID, &r); err != nil {
		return partners.Tenant{}, err
	}
	return partners.Tenant{ID: r.TenantID, Pool: partners.LoginPool{ID: r.PoolID, ClientID: r.PoolClientID, Issuer: r.PoolIssuer}}, nil
}

// PutPoolEntry writes (or rewrites, unchanged) a tenant's pool entry: the
// migration of tenants made before pool entries existed.
func (s *Store) PutPoolEntry(ctx context.Context, t partners.Tenant) error {
	item, err := attributevalue.MarshalMap(newPoolRecord(t))
	if err != nil {
		return fmt.Errorf("encode pool entry of %s: %w", t.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	if err != nil {
		return fmt.Errorf("put pool entry of %s: %w", t.ID, err)
	}
	return nil
}

// ListTenants returns every tenant, by a Scan of the table: for the
// operator's migrations (partnerctl), never for a function or a route.
func (s *Store) ListTenants(ctx context.Context) ([]partners.Tenant, error) {
	var out []partners.Tenant
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String("#type = :tenant"),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":tenant": str(TypeTenant)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan tenants: %w", err)
		}
		var records []tenantRecord
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &records); err != nil {
			return nil, fmt.Errorf("decode tenants: %w", err)
		}
		for _, r := range records {
			out = append(out, r.domain())
		}
	}
	return out, nil
}
