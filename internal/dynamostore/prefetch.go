package dynamostore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// batchGetLimit is DynamoDB's limit of keys per BatchGetItem.
const batchGetLimit = 100

// Prefetch reads a partner, its tenant's settings and the claims on the
// given emails with strongly consistent BatchGetItem calls — one round trip
// for up to 98 emails — instead of one read each.
func (s *Store) Prefetch(ctx context.Context, tenantID, partnerID string, emails []string) (partners.Partner, partners.Settings, map[string]partners.EmailClaim, error) {
	keys := []map[string]types.AttributeValue{keyOf(tenantPK(tenantID), partnerSK(partnerID)), keyOf(tenantPK(tenantID), settingsSK)}
	seen := make(map[string]bool, len(emails))
	for _, e := range emails {
		if !seen[e] { // BatchGetItem refuses repeated keys
			seen[e] = true
			keys = append(keys, keyOf(tenantPK(tenantID), claimSK(e)))
		}
	}
	var mu sync.Mutex
	var items []map[string]types.AttributeValue
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for start := 0; start < len(keys); start += batchGetLimit {
		chunk := keys[start:min(start+batchGetLimit, len(keys))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			got, err := s.batchGet(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			items = append(items, got...)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return partners.Partner{}, partners.Settings{}, nil, fmt.Errorf("prefetch for %s: %w", partnerID, firstErr)
	}
	var p *partners.Partner
	settings := partners.DefaultSettings()
	claims := make(map[string]partners.EmailClaim, len(emails))
	for _, item := range items {
		sk := sOf(item["SK"])
		switch {
		case sk == partnerSK(partnerID):
			var r partnerRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return partners.Partner{}, partners.Settings{}, nil, fmt.Errorf("decode partner: %w", err)
			}
			d := r.domain()
			p = &d
		case sk == settingsSK:
			var r settingsRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return partners.Partner{}, partners.Settings{}, nil, fmt.Errorf("decode settings: %w", err)
			}
			settings = r.domain()
		case strings.HasPrefix(sk, "E#"):
			var r claimRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return partners.Partner{}, partners.Settings{}, nil, fmt.Errorf("decode claim: %w", err)
			}
			claims[r.Email] = partners.EmailClaim{TenantID: tenantID, Email: r.Email, PartnerID: r.PartnerID, UserID: r.UserID}
		}
	}
	if p == nil {
		return partners.Partner{}, partners.Settings{}, nil, partners.Errorf(partners.NotFound, "No partner %s.", partnerID)
	}
	return *p, settings, claims, nil
}

// batchGet reads keys (at most 100), retrying unprocessed ones.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	return s.batchGetProjected(ctx, keys, "")
}
