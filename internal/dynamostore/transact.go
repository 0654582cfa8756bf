package dynamostore

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// txn is a transaction being built. Each action carries what its condition
// stands for, set where the action is built, so that a cancelled
// transaction is decoded by meaning rather than by the order of appends.
type txn struct {
	actions []types.TransactWriteItem
	onFail  []partners.ConflictError
}

// add appends an action whose failed condition means reason (about key).
func (t *txn) add(action types.TransactWriteItem, reason partners.ConflictReason, key string) {
	t.actions = append(t.actions, action)
	t.onFail = append(t.onFail, partners.ConflictError{Reason: reason, Key: key})
}

// addAll appends another transaction's actions after t's.
func (t *txn) addAll(other txn) {
	t.actions = append(t.actions, other.actions...)
	t.onFail = append(t.onFail, other.onFail...)
}

// transact runs t. A cancelled transaction is a *partners.ConflictError: the
// reason of the first action whose condition failed, or
// ConflictConcurrentWrite when none did and another transaction held the
// items or DynamoDB refused for capacity; any other cancellation is
// returned as it is.
func (s *Store) transact(ctx context.Context, t txn) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.actions})
	return decodeCancellation(err, t.onFail)
}

// decodeCancellation is the one decoder of cancelled transactions.
func decodeCancellation(err error, onFail []partners.ConflictError) error {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return err
	}
	retryable := false
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			if i < len(onFail) {
				c := onFail[i]
				c.Cause = err
				return &c
			}
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			retryable = true
		}
	}
	if retryable {
		return &partners.ConflictError{Reason: partners.ConflictConcurrentWrite, Cause: err}
	}
	// Anything else (a validation error, an item collection too large) no
	// retry can fix: it stays an error of ours, logged and answered 500.
	return err
}

// conditionFailed turns the failed condition of a single-item write into a
// *partners.ConflictError for reason, and leaves other errors as they are.
func conditionFailed(err error, reason partners.ConflictReason, key string) error {
	if isConditionFailed(err) {
		return &partners.ConflictError{Reason: reason, Key: key, Cause: err}
	}
	return err
}

// refusedFor reports whether err is a cancelled transaction or a failed
// condition for reason (not a concurrent write, which is left to retry).
func refusedFor(err error, reason partners.ConflictReason) bool {
	ce, ok := partners.ConflictOf(err)
	return ok && ce.Reason == reason
}
