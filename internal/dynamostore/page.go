package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// pageQuery is a listing query and the partition its positions must lie in.
type pageQuery struct {
	in           *dynamodb.QueryInput
	wantPK       string
	wantGSI1PK   string // "" for queries of the table itself
	wantSKPrefix string // "" for any
}

// listPosition is where a listing stopped: the keys of the last item returned.
type listPosition struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI1PK string `json:"g1pk,omitempty"`
	GSI1SK string `json:"g1sk,omitempty"`
}

// maxFilteredReads bounds the reads of one filtered listing call: a filter
// that matches nothing must not read a tenant's whole partition (30 days
// of events) in one request, at the cost of every tenant's shared read
// capacity and the request's timeout.
const maxFilteredReads = 20

// queryPage returns up to limit items after position and the position of the
// last one if more follow. DynamoDB applies Limit before the filter, so it
// reads on until it has limit+1 matches or the partition ends: has_more is
// then exact, with no empty last page — unless a filtered query reaches
// maxFilteredReads first, when it answers what it found (perhaps nothing)
// with the position where it stopped.
func (s *Store) queryPage(ctx context.Context, q pageQuery, position string, limit int) ([]map[string]types.AttributeValue, string, error) {
	in := *q.in
	in.Limit = aws.Int32(int32(limit + 1))
	if in.FilterExpression != nil {
		in.Limit = aws.Int32(int32(max(limit+1, 100))) // fewer, larger reads when most items are filtered out
	}
	if position != "" {
		start, err := q.decodePosition(position)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	var items []map[string]types.AttributeValue
	for reads := 1; ; reads++ {
		page, err := s.db.Query(ctx, &in)
		if err != nil {
			return nil, "", err
		}
		items = append(items, page.Items...)
		if len(items) > limit || page.LastEvaluatedKey == nil {
			break
		}
		if reads == maxFilteredReads {
			return items, encodePosition(page.LastEvaluatedKey), nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, encodePosition(items[limit-1]), nil
}

// encodePosition is the position of an item's keys (or of a
// LastEvaluatedKey, which holds the same attributes).
func encodePosition(key map[string]types.AttributeValue) string {
	b, _ := json.Marshal(listPosition{PK: sOf(key["PK"]), SK: sOf(key["SK"]), GSI1PK: sOf(key["GSI1PK"]), GSI1SK: sOf(key["GSI1SK"])})
	return string(b)
}

func sOf(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// decodePosition turns a position back into a start key, refusing any that
// does not lie in the query's partition: positions are sealed into cursors,
// so this is a second line of defence.
func (q pageQuery) decodePosition(position string) (map[string]types.AttributeValue, error) {
	invalid := partners.InvalidField("cursor", "invalid_cursor", "cursor is not a cursor this list returned.")
	var p listPosition
	if err := json.Unmarshal([]byte(position), &p); err != nil || p.PK != q.wantPK || p.GSI1PK != q.wantGSI1PK {
		return nil, invalid
	}
	if len(p.SK) < len(q.wantSKPrefix) || p.SK[:len(q.wantSKPrefix)] != q.wantSKPrefix {
		return nil, invalid
	}
	key := map[string]types.AttributeValue{"PK": str(p.PK), "SK": str(p.SK)}
	if q.wantGSI1PK != "" {
		key["GSI1PK"], key["GSI1SK"] = str(p.GSI1PK), str(p.GSI1SK)
	}
	return key, nil
}

// newestFirst is a listing query of one GSI1 partition, newest first: ids
// are ULIDs, so GSI1SK sorts by creation.
func (s *Store) newestFirst(gsi1pk string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsi1pk)},
		ScanIndexForward:          aws.Bool(false),
	}
}

// record is a stored item that converts to its domain type.
type record[D any] interface{ domain() D }

// decodeList decodes a page of items into records and converts them.
func decodeList[R record[D], D any](items []map[string]types.AttributeValue, what string) ([]D, error) {
	var records []R
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	out := make([]D, 0, len(records))
	for _, r := range records {
		out = append(out, r.domain())
	}
	return out, nil
}
