package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Webhook endpoints live in the tenant's partition under WHE#<id>, their
// deliveries under WHD#<endpoint id>#<delivery id> (delivery ids are ULIDs
// of the event's time: newest first is a reverse key order). A pending
// delivery is also in the sparse GSI2 under WHDUE#<shard>, sorted by its
// next attempt, for the sender's schedule; GSI2's other partitions
// (PENDING#…) are the expiry schedule's.
const (
	endpointSKPrefix = "WHE#"
	deliverySKPrefix = "WHD#"
	dueGSI2PKPrefix  = "WHDUE#"
	dueShards        = 4
	dueTimeLayout    = "2006-01-02T15:04:05.000Z"
)

func endpointSK(id string) string { return endpointSKPrefix + id }
func deliverySK(endpointID, id string) string {
	return deliverySKPrefix + endpointID + "#" + id
}

func dueShard(deliveryID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(deliveryID))
	return dueGSI2PKPrefix + strconv.Itoa(int(h.Sum32()%dueShards))
}

type webhookSecretRecord struct {
	Sealed    string     `dynamodbav:"sealed"`
	CreatedAt time.Time  `dynamodbav:"created_at"`
	ExpiresAt *time.Time `dynamodbav:"expires_at,omitempty"`
}

type webhookEndpointRecord struct {
	keys
	Type           string                `dynamodbav:"type"`
	ID             string                `dynamodbav:"id"`
	TenantID       string                `dynamodbav:"tenant_id"`
	URL            string                `dynamodbav:"url"`
	Events         []string              `dynamodbav:"events"`
	Description    string                `dynamodbav:"description,omitempty"`
	Disabled       bool                  `dynamodbav:"disabled"`
	DisabledReason string                `dynamodbav:"disabled_reason,omitempty"`
	FailingSince   *time.Time            `dynamodbav:"failing_since,omitempty"`
	Secrets        []webhookSecretRecord `dynamodbav:"secrets"`
	Version        int                   `dynamodbav:"version"`
	CreatedAt      time.Time             `dynamodbav:"created_at"`
	UpdatedAt      time.Time             `dynamodbav:"updated_at"`
	ChangedBy      *actorRecord          `dynamodbav:"changed_by,omitempty"`
}

func newEndpointRecord(e partners.WebhookEndpoint) webhookEndpointRecord {
	r := webhookEndpointRecord{
		keys: keys{PK: tenantPK(e.TenantID), SK: endpointSK(e.ID)}, Type: TypeWebhookEndpoint, ID: e.ID, TenantID: e.TenantID,
		URL: e.URL, Events: e.Events, Description: e.Description, Disabled: e.Disabled, DisabledReason: string(e.DisabledReason),
		FailingSince: timePtr(e.FailingSince), Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, ChangedBy: newActorRecord(e.ChangedBy),
	}
	for _, s := range e.Secrets {
		r.Secrets = append(r.Secrets, webhookSecretRecord{Sealed: s.Sealed, CreatedAt: s.CreatedAt, ExpiresAt: timePtr(s.ExpiresAt)})
	}
	return r
}

func (r webhookEndpointRecord) domain() partners.WebhookEndpoint {
	e := partners.WebhookEndpoint{
		ID: r.ID, TenantID: r.TenantID, URL: r.URL, Events: r.Events, Description: r.Description, Disabled: r.Disabled,
		DisabledReason: partners.WebhookDisabledReason(r.DisabledReason), FailingSince: timeOf(r.FailingSince), Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ChangedBy: r.ChangedBy.domain(),
	}
	for _, s := range r.Secrets {
		e.Secrets = append(e.Secrets, partners.WebhookSecret{Sealed: s.Sealed, CreatedAt: s.CreatedAt, ExpiresAt: timeOf(s.ExpiresAt)})
	}
	return e
}

// CreateWebhookEndpoint stores a new endpoint.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e partners.WebhookEndpoint) error {
	return s.putNew(ctx, newEndpointRecord(e), "webhook endpoint "+e.ID)
}

// GetWebhookEndpoint reads one of a tenant's endpoints.
func (s *Store) GetWebhookEndpoint(ctx context.Context, tenantID, id string) (partners.WebhookEndpoint, error) {
	var r webhookEndpointRecord
	if err := s.get(ctx, tenantPK(tenantID), endpointSK(id), "webhook endpoint "+id, &r); err != nil {
		return partners.WebhookEndpoint{}, err
	}
	return r.domain(), nil
}

// ListWebhookEndpoints returns a tenant's endpoints, oldest first, read
// consistently: the fan-out must see an endpoint made a moment ago.
func (s *Store) ListWebhookEndpoints(ctx context.Context, tenantID string) ([]partners.WebhookEndpoint, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(endpointSKPrefix)},
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints of %s: %w", tenantID, err)
		}
		items = append(items, out.Items...)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return decodeList[webhookEndpointRecord](items, "webhook endpoints of "+tenantID)
}

// UpdateWebhookEndpoint replaces an endpoint at version e.Version-1.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e partners.WebhookEndpoint) error {
	item, err := attributevalue.MarshalMap(newEndpointRecord(e))
	if err != nil {
		return fmt.Errorf("encode webhook endpoint %s: %w", e.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:                 aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": num(e.Version - 1)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if isConditionFailed(err) {
		if old := conditionOld(err); old == nil {
			return partners.Errorf(partners.NotFound, "No webhook endpoint %s.", e.ID)
		}
		return conditionFailed(err, partners.ConflictConcurrentWrite, e.ID)
	}
	if err != nil {
		return fmt.Errorf("put webhook endpoint %s: %w", e.ID, err)
	}
	return nil
}

// conditionOld is the item a failed condition found (with
// ReturnValuesOnConditionCheckFailure ALL_OLD), nil when there was none.
func conditionOld(err error) map[string]types.AttributeValue {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || len(ccf.Item) == 0 {
		return nil
	}
	return ccf.Item
}

// DeleteWebhookEndpoint removes an endpoint.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), endpointSK(id)),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.NotFound, "No webhook endpoint %s.", id)
	}
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
	}
	return nil
}

// MarkWebhookEndpointFailing sets failing_since unless it is set.
func (s *Store) MarkWebhookEndpointFailing(ctx context.Context, tenantID, id string, at time.Time) (partners.WebhookEndpoint, error) {
	since, err := attributevalue.Marshal(at)
	if err != nil {
		return partners.WebhookEndpoint{}, err
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), endpointSK(id)),
		UpdateExpression:          aws.String("SET failing_since = if_not_exists(failing_since, :at), version = version + :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": since, ":one": num(1)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return partners.WebhookEndpoint{}, partners.Errorf(partners.NotFound, "No webhook endpoint %s.", id)
	}
	if err != nil {
		return partners.WebhookEndpoint{}, fmt.Errorf("mark webhook endpoint %s failing: %w", id, err)
	}
	var r webhookEndpointRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return partners.WebhookEndpoint{}, fmt.Errorf("decode webhook endpoint %s: %w", id, err)
	}
	return r.domain(), nil
}

// MarkWebhookEndpointAnswering clears failing_since, if set.
func (s *Store) MarkWebhookEndpointAnswering(ctx context.Context, tenantID, id string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), endpointSK(id)),
		UpdateExpression:          aws.String("REMOVE failing_since SET version = version + :one"),
		ConditionExpression:       aws.String("attribute_exists(failing_since)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("mark webhook endpoint %s answering: %w", id, err)
	}
	return nil
}

// DisableFailingWebhookEndpoint disables an endpoint failing since failingSince.
func (s *Store) DisableFailingWebhookEndpoint(ctx context.Context, tenantID, id string, failingSince, at time.Time) error {
	since, err := attributevalue.Marshal(failingSince)
	if err != nil {
		return err
	}
	when, err := attributevalue.Marshal(at)
	if err != nil {
		return err
	}
	actor, err := attributevalue.Marshal(newActorRecord(partners.SystemActor))
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), endpointSK(id)),
		UpdateExpression:    aws.String("SET disabled = :yes, disabled_reason = :why, updated_at = :at, changed_by = :actor, version = version + :one"),
		ConditionExpression: aws.String("disabled = :no AND failing_since = :since"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":yes": &types.AttributeValueMemberBOOL{Value: true}, ":no": &types.AttributeValueMemberBOOL{Value: false},
			":why": str(string(partners.WebhookDisabledByFailure)), ":at": when, ":actor": actor, ":one": num(1), ":since": since,
		},
	})
	if err != nil {
		return conditionFailed(fmt.Errorf("disable webhook endpoint %s: %w", id, err), partners.ConflictAlreadyDone, id)
	}
	return nil
}

type webhookAttemptRecord struct {
	At         time.Time `dynamodbav:"at"`
	StatusCode int       `dynamodbav:"status_code,omitempty"`
	Error      string    `dynamodbav:"error,omitempty"`
	DurationMS int64     `dynamodbav:"duration_ms"`
}

type webhookDeliveryRecord struct {
	keys
	GSI2PK        string                 `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK        string                 `dynamodbav:"GSI2SK,omitempty"`
	Type          string                 `dynamodbav:"type"`
	ID            string                 `dynamodbav:"id"`
	TenantID      string                 `dynamodbav:"tenant_id"`
	EndpointID    string                 `dynamodbav:"endpoint_id"`
	EventID       string                 `dynamodbav:"event_id"`
	EventType     string                 `dynamodbav:"event_type"`
	Payload       string                 `dynamodbav:"payload"`
	Status        string                 `dynamodbav:"delivery_state"`
	Attempts      int                    `dynamodbav:"attempts"`
	NextAttemptMS int64                  `dynamodbav:"next_attempt_ms,omitempty"`
	WindowStart   time.Time              `dynamodbav:"window_start"`
	History       []webhookAttemptRecord `dynamodbav:"history"`
	CreatedAt     time.Time              `dynamodbav:"created_at"`
	UpdatedAt     time.Time              `dynamodbav:"updated_at"`
	LeaseUntilMS  int64                  `dynamodbav:"lease_until,omitempty"`
	TTL           int64                  `dynamodbav:"ttl"`
}

func newHookDeliveryRecord(d partners.WebhookDelivery) webhookDeliveryRecord {
	r := webhookDeliveryRecord{
		keys: keys{PK: tenantPK(d.TenantID), SK: deliverySK(d.EndpointID, d.ID)}, Type: TypeWebhookDelivery, ID: d.ID,
		TenantID: d.TenantID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: string(d.EventType), Payload: string(d.Payload),
		Status: string(d.Status), Attempts: d.Attempts, WindowStart: d.WindowStart, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		History: []webhookAttemptRecord{}, TTL: d.CreatedAt.Add(partners.WebhookDeliveryRetention).Unix(),
	}
	if d.Status == partners.WebhookPending {
		r.NextAttemptMS = d.NextAttemptAt.UnixMilli()
		r.GSI2PK, r.GSI2SK = dueShard(d.ID), dueSK(d.NextAttemptAt, d.Ref())
	}
	if !d.LeaseUntil.IsZero() {
		r.LeaseUntilMS = d.LeaseUntil.UnixMilli()
	}
	for _, a := range d.History {
		r.History = append(r.History, webhookAttemptRecord{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.DurationMS})
	}
	return r
}

func dueSK(at time.Time, ref partners.WebhookDeliveryRef) string {
	return at.UTC().Format(dueTimeLayout) + "#" + ref.TenantID + "#" + ref.EndpointID + "#" + ref.ID
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (r webhookDeliveryRecord) domain() partners.WebhookDelivery {
	d := partners.WebhookDelivery{
		ID: r.ID, TenantID: r.TenantID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: partners.EventType(r.EventType),
		Payload: []byte(r.Payload), Status: partners.WebhookDeliveryStatus(r.Status), Attempts: r.Attempts,
		NextAttemptAt: msTime(r.NextAttemptMS), WindowStart: r.WindowStart, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		LeaseUntil: msTime(r.LeaseUntilMS),
	}
	for _, a := range r.History {
		d.History = append(d.History, partners.WebhookAttempt{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.DurationMS})
	}
	return d
}

// PutWebhookDelivery stores a new delivery once; it is purged
// WebhookDeliveryRetention after its creation.
func (s *Store) PutWebhookDelivery(ctx context.Context, d partners.WebhookDelivery) (bool, error) {
	return s.putOnce(ctx, newHookDeliveryRecord(d), "delivery "+d.ID)
}

// GetWebhookDelivery reads one delivery.
func (s *Store) GetWebhookDelivery(ctx context.Context, ref partners.WebhookDeliveryRef) (partners.WebhookDelivery, error) {
	var r webhookDeliveryRecord
	if err := s.get(ctx, tenantPK(ref.TenantID), deliverySK(ref.EndpointID, ref.ID), "delivery "+ref.ID+" of this endpoint", &r); err != nil {
		return partners.WebhookDelivery{}, err
	}
	return r.domain(), nil
}

// ListWebhookDeliveries returns a page of an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, tenantID, endpointID, position string, limit int) ([]partners.WebhookDelivery, string, error) {
	prefix := deliverySKPrefix + endpointID + "#"
	q := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(prefix)},
		ScanIndexForward:          aws.Bool(false),
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantSKPrefix: prefix}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries of %s: %w", endpointID, err)
	}
	out, err := decodeList[webhookDeliveryRecord](items, "deliveries of "+endpointID)
	return out, next, err
}

// DueWebhookDeliveries reads the due deliveries of every shard of GSI2,
// an equal share of limit from each, starting from a shard that turns with
// the minute: a shard full of one tenant's due deliveries never keeps the
// others' from being read.
func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]partners.WebhookDeliveryRef, error) {
	var out []partners.WebhookDeliveryRef
	share := (limit + dueShards - 1) / dueShards
	first := int(now.Unix()/60) % dueShards
	for i := range dueShards {
		shard := (first + i) % dueShards
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(s.table), IndexName: aws.String("GSI2"),
			KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(dueGSI2PKPrefix + strconv.Itoa(shard)), ":now": str(now.UTC().Format(dueTimeLayout) + "#~"),
			},
			ProjectionExpression: aws.String("tenant_id, endpoint_id, id"),
			Limit:                aws.Int32(int32(share)),
		})
		if err != nil {
			return nil, fmt.Errorf("due deliveries of shard %d: %w", shard, err)
		}
		var refs []struct {
			TenantID   string `dynamodbav:"tenant_id"`
			EndpointID string `dynamodbav:"endpoint_id"`
			ID         string `dynamodbav:"id"`
		}
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &refs); err != nil {
			return nil, fmt.Errorf("decode due deliveries: %w", err)
		}
		for _, r := range refs {
			out = append(out, partners.WebhookDeliveryRef{TenantID: r.TenantID, EndpointID: r.EndpointID, ID: r.ID})
		}
	}
	return out, nil
}

// ClaimWebhookDelivery leases a due, pending, unheld delivery.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, ref partners.WebhookDeliveryRef, now, leaseUntil time.Time) (partners.WebhookDelivery, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(ref.TenantID), deliverySK(ref.EndpointID, ref.ID)),
		UpdateExpression: aws.String("SET lease_until = :lease"),
		ConditionExpression: aws.String("delivery_state = :pending AND next_attempt_ms <= :now AND " +
			"(attribute_not_exists(lease_until) OR lease_until < :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":lease": num64(leaseUntil.UnixMilli()), ":pending": str(string(partners.WebhookPending)), ":now": num64(now.UnixMilli()),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return partners.WebhookDelivery{}, conditionFailed(fmt.Errorf("claim delivery %s: %w", ref.ID, err), partners.ConflictAlreadyDone, ref.ID)
	}
	var r webhookDeliveryRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return partners.WebhookDelivery{}, fmt.Errorf("decode delivery %s: %w", ref.ID, err)
	}
	return r.domain(), nil
}

// RecordWebhookAttempt writes d's new state while its lease is held.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d partners.WebhookDelivery, heldUntil time.Time) error {
	d.LeaseUntil = time.Time{}
	item, err := attributevalue.MarshalMap(newHookDeliveryRecord(d))
	if err != nil {
		return fmt.Errorf("encode delivery %s: %w", d.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("lease_until = :held"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":held": num64(heldUntil.UnixMilli())},
	})
	if err != nil {
		return conditionFailed(fmt.Errorf("record delivery %s: %w", d.ID, err), partners.ConflictAlreadyDone, d.ID)
	}
	return nil
}

// RequeueWebhookDelivery makes a delivery due now, with a new window.
func (s *Store) RequeueWebhookDelivery(ctx context.Context, ref partners.WebhookDeliveryRef, now time.Time) (partners.WebhookDelivery, error) {
	at, err := attributevalue.Marshal(now)
	if err != nil {
		return partners.WebhookDelivery{}, err
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(ref.TenantID), deliverySK(ref.EndpointID, ref.ID)),
		UpdateExpression:    aws.String("SET delivery_state = :pending, next_attempt_ms = :now, window_start = :at, updated_at = :at, GSI2PK = :g2pk, GSI2SK = :g2sk"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(lease_until) OR lease_until < :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": str(string(partners.WebhookPending)), ":now": num64(now.UnixMilli()), ":at": at,
			":g2pk": str(dueShard(ref.ID)), ":g2sk": str(dueSK(now, ref)),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if isConditionFailed(err) {
		if conditionOld(err) == nil {
			return partners.WebhookDelivery{}, partners.Errorf(partners.NotFound, "No delivery %s of this endpoint.", ref.ID)
		}
		return partners.WebhookDelivery{}, conditionFailed(err, partners.ConflictAlreadyDone, ref.ID)
	}
	if err != nil {
		return partners.WebhookDelivery{}, fmt.Errorf("requeue delivery %s: %w", ref.ID, err)
	}
	var r webhookDeliveryRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return partners.WebhookDelivery{}, fmt.Errorf("decode delivery %s: %w", ref.ID, err)
	}
	return r.domain(), nil
}
