package dynamostore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// deliveryRecord is the invitation's delivery, flattened into the item so
// that the sender can update it alone.
type deliveryRecord struct {
	DeliveryStatus    string     `dynamodbav:"delivery_status"`
	MessageID         string     `dynamodbav:"message_id,omitempty"`
	DeliveryAttempts  int        `dynamodbav:"delivery_attempts"`
	DeliveryLastError string     `dynamodbav:"delivery_last_error,omitempty"`
	FailureReason     string     `dynamodbav:"delivery_failure_reason,omitempty"`
	NextAttemptAt     *time.Time `dynamodbav:"next_attempt_at,omitempty"`
	Requeues          int        `dynamodbav:"delivery_requeues,omitempty"`
	QueuedAt          *time.Time `dynamodbav:"queued_at,omitempty"`
	SentAt            *time.Time `dynamodbav:"sent_at,omitempty"`
	DeliveryUpdatedAt *time.Time `dynamodbav:"delivery_updated_at,omitempty"`
	// SES's reports on the message (record-email-event).
	ReportedAt    *time.Time `dynamodbav:"delivery_reported_at,omitempty"`
	BounceType    string     `dynamodbav:"bounce_type,omitempty"`
	BounceSubType string     `dynamodbav:"bounce_sub_type,omitempty"`
}

// deliveryAttributes are the attributes of deliveryRecord, each set or
// removed by a write of the delivery.
var deliveryAttributes = []string{
	"delivery_status", "message_id", "delivery_attempts", "delivery_last_error", "delivery_failure_reason", "next_attempt_at",
	"delivery_requeues", "queued_at", "sent_at", "delivery_updated_at", "delivery_reported_at", "bounce_type", "bounce_sub_type",
}

func newDeliveryRecord(d partners.Delivery) deliveryRecord {
	return deliveryRecord{
		DeliveryStatus: string(d.Status), MessageID: d.MessageID, DeliveryAttempts: d.Attempts,
		DeliveryLastError: d.LastError, QueuedAt: timePtr(d.QueuedAt), SentAt: timePtr(d.SentAt),
		FailureReason: string(d.FailureReason), NextAttemptAt: timePtr(d.NextAttemptAt), Requeues: d.Requeues,
		DeliveryUpdatedAt: timePtr(d.UpdatedAt), ReportedAt: timePtr(d.ReportedAt),
		BounceType: string(d.BounceType), BounceSubType: d.BounceSubType,
	}
}

func (r deliveryRecord) domain() partners.Delivery {
	return partners.Delivery{
		Status: partners.DeliveryStatus(r.DeliveryStatus), MessageID: r.MessageID, Attempts: r.DeliveryAttempts,
		LastError: r.DeliveryLastError, QueuedAt: timeOf(r.QueuedAt), SentAt: timeOf(r.SentAt),
		FailureReason: partners.DeliveryReason(r.FailureReason), NextAttemptAt: timeOf(r.NextAttemptAt), Requeues: r.Requeues,
		UpdatedAt: timeOf(r.DeliveryUpdatedAt), ReportedAt: timeOf(r.ReportedAt),
		BounceType: partners.BounceType(r.BounceType), BounceSubType: r.BounceSubType,
	}
}

// deliveryUpdate is the update expression that writes d over the item's
// delivery (set what d has, remove what it has not), with its values.
func deliveryUpdate(d partners.Delivery, values map[string]types.AttributeValue, alsoRemove ...string) (string, error) {
	rec, err := attributevalue.MarshalMap(newDeliveryRecord(d))
	if err != nil {
		return "", fmt.Errorf("encode delivery: %w", err)
	}
	var set, remove []string
	for _, name := range deliveryAttributes {
		if v, ok := rec[name]; ok {
			set = append(set, name+" = :"+name)
			values[":"+name] = v
		} else {
			remove = append(remove, name)
		}
	}
	remove = append(remove, alsoRemove...)
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	return expr, nil
}

// RecordDelivery stores the delivery of the issue sendSeq of an invitation.
func (s *Store) RecordDelivery(ctx context.Context, tenantID, invitationID string, sendSeq int, d partners.Delivery, clearSealed bool) error {
	values := map[string]types.AttributeValue{":seq": num(sendSeq)}
	var clear []string
	if clearSealed {
		clear = append(clear, "sealed_token")
	}
	expr, err := deliveryUpdate(d, values, clear...)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyOf(tenantPK(tenantID), invitationSK(invitationID)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("send_seq = :seq"),
		ExpressionAttributeValues: values,
	})
	if err := conditionFailed(err, partners.ConflictInvitationChanged, invitationID); err != nil {
		return fmt.Errorf("record delivery of %s: %w", invitationID, err)
	}
	return nil
}
