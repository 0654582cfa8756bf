package localgw

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestClock is the local stack's movable clock, as Stripe's test clocks
// are for billing: the real time plus an offset that `partnerctl clock
// advance` moves, so that a developer can watch an invitation expire
// without waiting 48 hours. The offset is kept in the stack's table, so
// that every process of the stack — `partnerctl dev` (its handlers, stream
// readers and scheduler ticker) and `partnerctl invoke` — tells the same
// time. It lives in the local gateway's package, which no Lambda function
// links: the deployed stack has no such clock.
type TestClock struct {
	db     *dynamodb.Client
	table  string
	offset atomic.Int64 // nanoseconds
}

// The item that holds the offset; its key lies outside every tenant's.
var testClockKey = map[string]types.AttributeValue{
	"PK": &types.AttributeValueMemberS{Value: "LOCAL#TEST_CLOCK"},
	"SK": &types.AttributeValueMemberS{Value: "TEST_CLOCK"},
}

// Attach points the clock at the stack's table and reads its offset.
func (c *TestClock) Attach(ctx context.Context, db *dynamodb.Client, table string) error {
	c.db, c.table = db, table
	return c.Refresh(ctx)
}

// Now is the real time plus the offset.
func (c *TestClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Offset is how far the clock is ahead of the real time.
func (c *TestClock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Refresh reads the offset from the table (none stored: zero).
func (c *TestClock) Refresh(ctx context.Context) error {
	if c.db == nil {
		return errors.New("test clock: not attached to a table")
	}
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: testClockKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("read the test clock: %w", err)
	}
	var ns int64
	if v, ok := out.Item["offset_ns"].(*types.AttributeValueMemberN); ok {
		if ns, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
			return fmt.Errorf("test clock offset %q: %w", v.Value, err)
		}
	}
	c.offset.Store(ns)
	return nil
}

// Follow refreshes the offset every interval until ctx ends, so that a
// running `partnerctl dev` sees `partnerctl clock advance` at once.
func (c *TestClock) Follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.Refresh(ctx) // a missed read keeps the last offset
		}
	}
}

// Advance moves the clock forward by d (never back: time in the product
// only moves on) and returns the new offset.
func (c *TestClock) Advance(ctx context.Context, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, fmt.Errorf("the clock only moves forward; %s is not", d)
	}
	out, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(c.table), Key: testClockKey,
		UpdateExpression:          aws.String("ADD offset_ns :d SET #type = :type"),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(d), 10)}, ":type": &types.AttributeValueMemberS{Value: "test_clock"}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return 0, fmt.Errorf("advance the test clock: %w", err)
	}
	ns, _ := strconv.ParseInt(out.Attributes["offset_ns"].(*types.AttributeValueMemberN).Value, 10, 64)
	c.offset.Store(ns)
	return time.Duration(ns), nil
}

// Reset puts the clock back to the real time. Whatever happened while it
// was ahead stays as it was written.
func (c *TestClock) Reset(ctx context.Context) error {
	if _, err := c.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(c.table), Key: testClockKey}); err != nil {
		return fmt.Errorf("reset the test clock: %w", err)
	}
	c.offset.Store(0)
	return nil
}

// Scheduler plays EventBridge Scheduler for one function: it invokes it
// every Every of the product's clock, checking that clock each Poll of real
// time, so that advancing the test clock past a run makes it happen at
// once.
type Scheduler struct {
	Clock interface{ Now() time.Time }
	Every time.Duration
	Poll  time.Duration
	Run   func(ctx context.Context)
}

// Loop runs until ctx ends; the first run is at once.
func (s *Scheduler) Loop(ctx context.Context) {
	poll := s.Poll
	if poll == 0 {
		poll = 2 * time.Second
	}
	var last time.Time
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		now := s.Clock.Now()
		if now.Before(last) {
			last = now // the clock was reset: count from here
		}
		if last.IsZero() || now.Sub(last) >= s.Every {
			last = now
			s.Run(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
