package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// endInvitation writes the end of an invitation (revoked, declined,
// expired) under cond: its status, who and when (updated_at, and stamp —
// revoked_at, declined_at — when named), its purge time; its sealed token
// goes, and it leaves the pending-by-expiry index. A failed condition is
// ConflictInvitationChanged. cond names the status #status; its values are
// values, to which :seq (inv.SendSeq) and :pending are added.
func (s *Store) endInvitation(ctx context.Context, inv partners.Invitation, stamp string, cond string, values map[string]types.AttributeValue) error {
	updated, err := attributevalue.Marshal(inv.UpdatedAt)
	if err != nil {
		return err
	}
	actor, err := attributevalue.Marshal(newActorRecord(inv.ChangedBy))
	if err != nil {
		return err
	}
	set := "SET #status = :ended, updated_at = :updated, changed_by = :actor, #ttl = :ttl"
	if stamp != "" {
		set += ", " + stamp + " = :updated"
	}
	values[":ended"], values[":updated"], values[":actor"] = str(string(inv.Status)), updated, actor
	values[":ttl"], values[":seq"], values[":pending"] = num64(inv.PurgeAt.Unix()), num(inv.SendSeq), str(string(partners.InvitationPending))
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyOf(tenantPK(inv.TenantID), invitationSK(inv.ID)),
		UpdateExpression:          aws.String(set + " REMOVE sealed_token, GSI2PK, GSI2SK"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#ttl": Table.TTLAttribute},
		ExpressionAttributeValues: values,
	})
	return conditionFailed(err, partners.ConflictInvitationChanged, inv.ID)
}
