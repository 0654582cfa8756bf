package dynamostore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Events live in the tenant's partition under EV#<event id>: ids are ULIDs
// of the event's time, so the sort key orders them by time and a time range
// is a key range.
const eventSKPrefix = "EV#"

func eventSK(eventID string) string { return eventSKPrefix + eventID }

type eventRecord struct {
	keys
	Type         string       `dynamodbav:"type"`
	ID           string       `dynamodbav:"id"`
	EventType    string       `dynamodbav:"event_type"`
	TenantID     string       `dynamodbav:"tenant_id"`
	At           time.Time    `dynamodbav:"at"`
	SubjectID    string       `dynamodbav:"subject_id"`
	PartnerID    string       `dynamodbav:"partner_id,omitempty"`
	UserID       string       `dynamodbav:"user_id,omitempty"`
	InvitationID string       `dynamodbav:"invitation_id,omitempty"`
	Actor        *actorRecord `dynamodbav:"actor,omitempty"`
	Data         string       `dynamodbav:"data"`
	TTL          int64        `dynamodbav:"ttl"`
}

func (r eventRecord) domain() partners.Event {
	return partners.Event{
		ID: r.ID, Type: partners.EventType(r.EventType), TenantID: r.TenantID, At: r.At, SubjectID: r.SubjectID,
		PartnerID: r.PartnerID, UserID: r.UserID, InvitationID: r.InvitationID, Actor: r.Actor.domain(), Data: []byte(r.Data),
	}
}

// PutEvent stores an event once: a second put of the same id changes nothing.
func (s *Store) PutEvent(ctx context.Context, e partners.Event, expiresAt time.Time) (bool, error) {
	r := eventRecord{
		keys: keys{PK: tenantPK(e.TenantID), SK: eventSK(e.ID)}, Type: TypeEvent, ID: e.ID, EventType: string(e.Type),
		TenantID: e.TenantID, At: e.At, SubjectID: e.SubjectID, PartnerID: e.PartnerID, UserID: e.UserID,
		InvitationID: e.InvitationID, Actor: newActorRecord(e.Actor), Data: string(e.Data), TTL: expiresAt.Unix(),
	}
	// Not created: stored by an earlier delivery of the same change.
	return s.putOnce(ctx, r, "event "+e.ID)
}

// ListEvents queries the tenant's events newest first, within the filter's
// time range (a key range); type, partner and subject filter the page.
func (s *Store) ListEvents(ctx context.Context, tenantID string, f partners.EventFilter, position string, limit int) ([]partners.Event, string, error) {
	low, high := eventSK(""), eventSK("~")
	if !f.From.IsZero() {
		low = eventSK(eventIDBound(f.From))
	}
	if !f.To.IsZero() {
		high = eventSK(eventIDBound(f.To))
	}
	q := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :low AND :high"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tenantID)), ":low": str(low), ":high": str(high),
		},
		ScanIndexForward: aws.Bool(false),
	}
	var filters []string
	for attr, want := range map[string]string{"event_type": string(f.Type), "partner_id": f.PartnerID, "subject_id": f.SubjectID} {
		if want != "" {
			filters = append(filters, attr+" = :"+attr)
			q.ExpressionAttributeValues[":"+attr] = str(want)
		}
	}
	if len(filters) > 0 {
		q.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantSKPrefix: eventSKPrefix}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list events of %s: %w", tenantID, err)
	}
	out, err := decodeList[eventRecord](items, "events of "+tenantID)
	return out, next, err
}

// eventIDBound is the smallest event id of a moment: every event at or
// after t sorts at or after it, every event before t sorts before it.
func eventIDBound(t time.Time) string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(t)); err != nil {
		return "~" // beyond any id
	}
	return "evt_" + id.String()
}
