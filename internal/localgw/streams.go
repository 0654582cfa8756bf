package localgw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamPoller plays the Lambda event source mapping of a table's stream: it
// reads every shard from its start, invokes the handler with batches of
// records (the same JSON Lambda sends), and on a reported batch item failure
// retries from that record with exponential back-off, as Lambda does with
// ReportBatchItemFailures.
type StreamPoller struct {
	DB      *dynamodb.Client
	Streams *dynamodbstreams.Client
	Table   string
	Region  string
	Handler any // a Lambda handler for events.DynamoDBEvent
	// Function names the handler's function (its Lambda context's ARN).
	Function  string
	Log       *slog.Logger
	BatchSize int32
	// Poll is the wait between reads of an idle shard.
	Poll time.Duration
	// MaxBackoff caps the wait between retries of a failing batch.
	MaxBackoff time.Duration
	// Timeout bounds one invocation, as the function's timeout does in
	// Lambda (default 29 s).
	Timeout time.Duration
}

type shard struct {
	id         string
	iterator   *string
	lastSeq    string // the last record handed to the handler successfully
	pending    []types.Record
	backoff    time.Duration
	retryAfter time.Time
	closed     bool
}

// Run polls until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) error {
	if p.BatchSize == 0 {
		p.BatchSize = 100
	}
	if p.Poll == 0 {
		p.Poll = 100 * time.Millisecond
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = 2 * time.Second
	}
	handler := lambda.NewHandler(p.Handler)
	table, err := p.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.Table)})
	if ctx.Err() != nil {
		return nil // stopped before it started
	}
	if err != nil {
		return fmt.Errorf("describe table %s: %w", p.Table, err)
	}
	arn := aws.ToString(table.Table.LatestStreamArn)
	if arn == "" {
		return fmt.Errorf("table %s has no stream", p.Table)
	}
	shards := map[string]*shard{}
	var lastRefresh time.Time
	for {
		if time.Since(lastRefresh) > time.Second {
			if err := p.refreshShards(ctx, arn, shards); err != nil && ctx.Err() == nil {
				p.Log.Warn("stream poller: describe stream", "err", err)
			}
			lastRefresh = time.Now()
		}
		busy := false
		for id, s := range shards {
			worked, err := p.step(ctx, handler, arn, s)
			if err != nil && ctx.Err() == nil {
				p.Log.Warn("stream poller: shard", "shard", id, "err", err)
			}
			busy = busy || worked
		}
		wait := p.Poll
		if busy {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

func (p *StreamPoller) refreshShards(ctx context.Context, arn string, shards map[string]*shard) error {
	out, err := p.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		return err
	}
	for _, sh := range out.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, known := shards[id]; known {
			continue
		}
		it, err := p.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return fmt.Errorf("shard iterator of %s: %w", id, err)
		}
		shards[id] = &shard{id: id, iterator: it.ShardIterator}
	}
	return nil
}

// step reads or retries one batch of a shard; it reports whether it did work.
func (p *StreamPoller) step(ctx context.Context, handler lambda.Handler, arn string, s *shard) (bool, error) {
	if len(s.pending) == 0 {
		if s.closed || s.iterator == nil {
			s.closed = true
			return false, nil
		}
		out, err := p.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: s.iterator, Limit: aws.Int32(p.BatchSize)})
		var trimmed *types.TrimmedDataAccessException
		var expired *types.ExpiredIteratorException
		if errors.As(err, &trimmed) || errors.As(err, &expired) {
			// DynamoDB Local answers a fresh shard's first iterator this way;
			// take a new one, after the last record delivered so none repeats.
			return false, p.renewIterator(ctx, arn, s)
		}
		if err != nil {
			return false, fmt.Errorf("get records: %w", err)
		}
		s.iterator = out.NextShardIterator
		s.pending = out.Records
		if len(s.pending) == 0 {
			return false, nil
		}
	}
	if time.Now().Before(s.retryAfter) {
		return false, nil
	}
	failedAt, err := p.invoke(ctx, handler, arn, s.pending)
	if err == nil && failedAt == "" {
		s.lastSeq = aws.ToString(s.pending[len(s.pending)-1].Dynamodb.SequenceNumber)
		s.pending, s.backoff = nil, 0
		return true, nil
	}
	if err == nil {
		for i, r := range s.pending {
			if aws.ToString(r.Dynamodb.SequenceNumber) == failedAt {
				if i > 0 {
					s.lastSeq = aws.ToString(s.pending[i-1].Dynamodb.SequenceNumber)
				}
				s.pending = s.pending[i:]
				break
			}
		}
	}
	s.backoff = min(max(2*s.backoff, 100*time.Millisecond), p.MaxBackoff)
	s.retryAfter = time.Now().Add(s.backoff)
	return true, err
}

func (p *StreamPoller) renewIterator(ctx context.Context, arn string, s *shard) error {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(s.id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	if s.lastSeq != "" {
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(s.lastSeq)
	}
	it, err := p.Streams.GetShardIterator(ctx, in)
	if err != nil {
		return fmt.Errorf("renew iterator of %s: %w", s.id, err)
	}
	s.iterator = it.ShardIterator
	return nil
}

func (p *StreamPoller) invoke(ctx context.Context, handler lambda.Handler, arn string, records []types.Record) (string, error) {
	payload, err := json.Marshal(map[string]any{"Records": p.eventRecords(arn, records)})
	if err != nil {
		return "", fmt.Errorf("encode stream event: %w", err)
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 29 * time.Second
	}
	ictx, cancel := context.WithTimeout(WithFunction(ctx, p.Function), timeout)
	defer cancel()
	out, err := handler.Invoke(ictx, payload)
	if err != nil {
		return "", fmt.Errorf("handler: %w", err)
	}
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return "", fmt.Errorf("decode handler response: %w", err)
	}
	if len(resp.BatchItemFailures) == 0 {
		return "", nil
	}
	id := resp.BatchItemFailures[0].ItemIdentifier
	if id == "" {
		return "", errors.New("batch item failure without an item identifier")
	}
	return id, nil
}

// eventRecords writes records as the Lambda service does for DynamoDB
// Streams events.
func (p *StreamPoller) eventRecords(arn string, records []types.Record) []map[string]any {
	out := make([]map[string]any, 0, len(records))
	for _, r := range records {
		d := r.Dynamodb
		change := map[string]any{
			"Keys":           imageJSON(d.Keys),
			"SequenceNumber": aws.ToString(d.SequenceNumber),
			"SizeBytes":      aws.ToInt64(d.SizeBytes),
			"StreamViewType": string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			change["ApproximateCreationDateTime"] = d.ApproximateCreationDateTime.Unix()
		}
		if d.NewImage != nil {
			change["NewImage"] = imageJSON(d.NewImage)
		}
		if d.OldImage != nil {
			change["OldImage"] = imageJSON(d.OldImage)
		}
		out = append(out, map[string]any{
			"eventID": aws.ToString(r.EventID), "eventName": string(r.EventName), "eventVersion": aws.ToString(r.EventVersion),
			"eventSource": "aws:dynamodb", "awsRegion": p.Region, "eventSourceARN": arn, "dynamodb": change,
		})
	}
	return out
}

func imageJSON(img map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(img))
	for k, v := range img {
		out[k] = attributeJSON(v)
	}
	return out
}

// attributeJSON writes an attribute value in DynamoDB's JSON form.
func attributeJSON(v types.AttributeValue) map[string]any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": true}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": bs}
	case *types.AttributeValueMemberL:
		list := make([]any, len(v.Value))
		for i, item := range v.Value {
			list[i] = attributeJSON(item)
		}
		return map[string]any{"L": list}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": imageJSON(v.Value)}
	}
	return map[string]any{"NULL": true}
}
