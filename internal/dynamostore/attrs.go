package dynamostore

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// actorRecord is who made an item's latest change, for its events.
type actorRecord struct {
	Kind string `dynamodbav:"kind"`
	ID   string `dynamodbav:"id,omitempty"`
	Name string `dynamodbav:"name,omitempty"`
}

func newActorRecord(a partners.Actor) *actorRecord {
	if a.Kind == "" {
		return nil
	}
	return &actorRecord{Kind: string(a.Kind), ID: a.ID, Name: a.Name}
}

func (r *actorRecord) domain() partners.Actor {
	if r == nil {
		return partners.Actor{}
	}
	return partners.Actor{Kind: partners.ActorKind(r.Kind), ID: r.ID, Name: r.Name}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// unixOrZero is t as TTL seconds, or 0 (no TTL) for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixTime is a TTL's time, or the zero time for none.
func unixTime(ttl int64) time.Time {
	if ttl == 0 {
		return time.Time{}
	}
	return time.Unix(ttl, 0).UTC()
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }
func num64(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
