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

// RecordEmailReport stores d as the delivery of inv, provided the item's
// delivery is still the one inv was read with (same issue, message id and
// status: ConflictInvitationChanged otherwise), and, when flags is set, the
// user's address flags in the same transaction (ConflictUserChanged when
// the user is gone). It never touches the invitation's status or its
// updated_at: a report is the delivery's change only.
func (s *Store) RecordEmailReport(ctx context.Context, inv partners.Invitation, d partners.Delivery, flags *partners.AddressFlags) error {
	values := map[string]types.AttributeValue{
		":seq": num(inv.SendSeq), ":mid": str(inv.Delivery.MessageID), ":was": str(string(inv.Delivery.Status)),
	}
	expr, err := deliveryUpdate(d, values)
	if err != nil {
		return err
	}
	update := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       keyOf(tenantPK(inv.TenantID), invitationSK(inv.ID)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("send_seq = :seq AND message_id = :mid AND delivery_status = :was"),
		ExpressionAttributeValues: values,
	}
	if flags == nil {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: update.TableName, Key: update.Key, UpdateExpression: update.UpdateExpression,
			ConditionExpression: update.ConditionExpression, ExpressionAttributeValues: update.ExpressionAttributeValues,
		})
		if err := conditionFailed(err, partners.ConflictInvitationChanged, inv.ID); err != nil {
			return fmt.Errorf("record email report on %s: %w", inv.ID, err)
		}
		return nil
	}
	user, err := flagsUpdate(s.table, inv.TenantID, *flags)
	if err != nil {
		return err
	}
	var t txn
	t.add(types.TransactWriteItem{Update: update}, partners.ConflictInvitationChanged, inv.ID)
	t.add(types.TransactWriteItem{Update: user}, partners.ConflictUserChanged, flags.UserID)
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("record email report on %s and user %s: %w", inv.ID, flags.UserID, err)
	}
	return nil
}

// flagsUpdate writes a user's address flags (set what is set, remove what
// is not), on a user that exists.
func flagsUpdate(table, tenantID string, f partners.AddressFlags) (*types.Update, error) {
	values := map[string]types.AttributeValue{}
	var set, remove []string
	for _, a := range []struct {
		name string
		at   time.Time
	}{{"email_bounced_at", f.BouncedAt}, {"email_complained_at", f.ComplainedAt}} {
		if a.at.IsZero() {
			remove = append(remove, a.name)
			continue
		}
		v, err := attributevalue.Marshal(a.at)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", a.name, err)
		}
		set = append(set, a.name+" = :"+a.name)
		values[":"+a.name] = v
	}
	var expr []string
	if len(set) > 0 {
		expr = append(expr, "SET "+strings.Join(set, ", "))
	}
	if len(remove) > 0 {
		expr = append(expr, "REMOVE "+strings.Join(remove, ", "))
	}
	u := &types.Update{
		TableName:           aws.String(table),
		Key:                 keyOf(tenantPK(tenantID), userSK(f.PartnerID, f.UserID)),
		UpdateExpression:    aws.String(strings.Join(expr, " ")),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	}
	if len(values) > 0 {
		u.ExpressionAttributeValues = values
	}
	return u, nil
}
