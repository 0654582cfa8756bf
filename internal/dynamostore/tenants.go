package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

type tenantRecord struct {
	keys
	Type         string    `dynamodbav:"type"`
	ID           string    `dynamodbav:"id"`
	Name         string    `dynamodbav:"name"`
	PoolID       string    `dynamodbav:"user_pool_id"`
	PoolClientID string    `dynamodbav:"user_pool_client_id"`
	PoolIssuer   string    `dynamodbav:"user_pool_issuer"`
	CreatedAt    time.Time `dynamodbav:"created_at"`
}

// apiKeyRecord is stored twice: under its hash, for the authorizer's lookup,
// and under its tenant, for listing and revoking by id.
type apiKeyRecord struct {
	keys
	Type      string     `dynamodbav:"type"`
	ID        string     `dynamodbav:"id"`
	TenantID  string     `dynamodbav:"tenant_id"`
	Name      string     `dynamodbav:"name"`
	Role      string     `dynamodbav:"role"`
	Hash      string     `dynamodbav:"hash"`
	CreatedAt time.Time  `dynamodbav:"created_at"`
	RevokedAt *time.Time `dynamodbav:"revoked_at,omitempty"`
}

func apiKeyRecords(k partners.APIKey) (byHash, byTenant apiKeyRecord) {
	r := apiKeyRecord{
		Type: TypeAPIKey, ID: k.ID, TenantID: k.TenantID, Name: k.Name, Role: string(k.Role),
		Hash: k.Hash, CreatedAt: k.CreatedAt,
	}
	if k.Revoked() {
		r.RevokedAt = &k.RevokedAt
	}
	byHash, byTenant = r, r
	byHash.keys = keys{PK: keyHashPK(k.Hash), SK: keyHashSK}
	byTenant.keys = keys{PK: tenantPK(k.TenantID), SK: apiKeySK(k.ID)}
	return byHash, byTenant
}

func (r apiKeyRecord) domain() partners.APIKey {
	k := partners.APIKey{
		ID: r.ID, TenantID: r.TenantID, Name: r.Name, Role: partners.Role(r.Role),
		Hash: r.Hash, CreatedAt: r.CreatedAt,
	}
	if r.RevokedAt != nil {
		k.RevokedAt = *r.RevokedAt
	}
	return k
}

func (s *Store) transactNew(ctx context.Context, what string, records ...any) error {
	var t txn
	for _, r := range records {
		if err := s.putNewIn(&t, r, partners.ConflictItemExists, what); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	err := s.transact(ctx, t)
	if refusedFor(err, partners.ConflictItemExists) {
		return partners.Errorf(partners.Conflict, "The %s already exists.", what)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CreateTenant stores a tenant and its first key in one transaction.
func (s *Store) CreateTenant(ctx context.Context, t partners.Tenant, first partners.APIKey) error {
	tr := tenantRecord{
		keys: keys{PK: tenantPK(t.ID), SK: tenantSK}, Type: TypeTenant,
		ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt,
		PoolID: t.Pool.ID, PoolClientID: t.Pool.ClientID, PoolIssuer: t.Pool.Issuer,
	}
	byHash, byTenant := apiKeyRecords(first)
	return s.transactNew(ctx, "tenant", tr, byHash, byTenant, newPoolRecord(t))
}

// GetTenant returns a tenant. NotFound if absent.
func (s *Store) GetTenant(ctx context.Context, id string) (partners.Tenant, error) {
	var r tenantRecord
	if err := s.get(ctx, tenantPK(id), tenantSK, "tenant "+id, &r); err != nil {
		return partners.Tenant{}, err
	}
	return r.domain(), nil
}

func (r tenantRecord) domain() partners.Tenant {
	return partners.Tenant{
		ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt,
		Pool: partners.LoginPool{ID: r.PoolID, ClientID: r.PoolClientID, Issuer: r.PoolIssuer},
	}
}

// CreateAPIKey stores a key under its hash and under its tenant.
func (s *Store) CreateAPIKey(ctx context.Context, k partners.APIKey) error {
	byHash, byTenant := apiKeyRecords(k)
	return s.transactNew(ctx, "API key", byHash, byTenant)
}

// GetAPIKeyByHash returns the key with this hash (strongly consistent, so a
// revocation is seen at once). NotFound if absent.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (partners.APIKey, error) {
	var r apiKeyRecord
	if err := s.get(ctx, keyHashPK(hash), keyHashSK, "API key", &r); err != nil {
		return partners.APIKey{}, err
	}
	return r.domain(), nil
}

// ListAPIKeys returns a tenant's keys, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]partners.APIKey, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: tenantPK(tenantID)},
			":prefix": &types.AttributeValueMemberS{Value: apiKeySK("")},
		},
	})
	var out []partners.APIKey
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query keys of %s: %w", tenantID, err)
		}
		var records []apiKeyRecord
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &records); err != nil {
			return nil, fmt.Errorf("decode keys of %s: %w", tenantID, err)
		}
		for _, r := range records {
			out = append(out, r.domain())
		}
	}
	return out, nil
}

// RevokeAPIKey sets revoked_at on both copies of a key in one transaction.
func (s *Store) RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	var r apiKeyRecord
	if err := s.get(ctx, tenantPK(tenantID), apiKeySK(keyID), "API key "+keyID, &r); err != nil {
		return err
	}
	revokedAt, err := attributevalue.Marshal(at)
	if err != nil {
		return fmt.Errorf("encode time: %w", err)
	}
	update := func(pk, sk string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       keyOf(pk, sk),
			UpdateExpression:          aws.String("SET revoked_at = if_not_exists(revoked_at, :at)"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": revokedAt},
		}}
	}
	var t txn
	t.add(update(keyHashPK(r.Hash), keyHashSK), partners.ConflictItemMissing, keyID)
	t.add(update(tenantPK(tenantID), apiKeySK(keyID)), partners.ConflictItemMissing, keyID)
	err = s.transact(ctx, t)
	if refusedFor(err, partners.ConflictItemMissing) {
		return partners.Errorf(partners.NotFound, "No API key %s.", keyID)
	}
	if err != nil {
		return fmt.Errorf("revoke key %s: %w", keyID, err)
	}
	return nil
}
