package dynamostore

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// DecodeChange reads a stream record of a partner, partner user or
// invitation as the domain's Change, for the event publisher; ok is false for
// any other item. A record whose images do not decode is an error: it is a
// bug of ours, and skipping it would lose its events.
func DecodeChange(rec events.DynamoDBEventRecord) (c partners.Change, ok bool, err error) {
	img := rec.Change.NewImage
	if img == nil {
		img = rec.Change.OldImage
	}
	kind := streamAttr(img, attrType)
	switch kind {
	case TypeInvitation, TypePartnerUser, TypePartner, TypeWebhookEndpoint:
	default:
		return partners.Change{}, false, nil
	}
	c.Sequence, c.Source = rec.Change.SequenceNumber, streamAttr(img, "PK")+"#"+streamAttr(img, "SK")
	c.Purged = rec.EventName == string(events.DynamoDBOperationTypeRemove) && purgedByTTL(rec)
	switch kind {
	case TypeInvitation:
		c.OldInvitation, c.NewInvitation, err = decodePair(rec, invitationRecord.domain)
	case TypePartnerUser:
		c.OldUser, c.NewUser, err = decodePair(rec, userRecord.domain)
	case TypePartner:
		c.OldPartner, c.NewPartner, err = decodePair(rec, partnerRecord.domain)
	case TypeWebhookEndpoint:
		c.OldEndpoint, c.NewEndpoint, err = decodePair(rec, webhookEndpointRecord.domain)
	}
	if err != nil {
		return partners.Change{}, false, fmt.Errorf("decode stream record %s: %w", rec.Change.SequenceNumber, err)
	}
	return c, true, nil
}

// purgedByTTL reports whether a removal was the table's TTL at work: its
// record names DynamoDB itself as the remover.
func purgedByTTL(rec events.DynamoDBEventRecord) bool {
	u := rec.UserIdentity
	return u != nil && u.Type == "Service" && u.PrincipalID == "dynamodb.amazonaws.com"
}

// decodePair decodes both images of a record as records of type R.
func decodePair[R any, D any](rec events.DynamoDBEventRecord, domain func(R) D) (old, next *D, err error) {
	decode := func(img map[string]events.DynamoDBAttributeValue) (*D, error) {
		if img == nil {
			return nil, nil
		}
		var r R
		if err := attributevalue.UnmarshalMap(fromStreamImage(img), &r); err != nil {
			return nil, err
		}
		d := domain(r)
		return &d, nil
	}
	if old, err = decode(rec.Change.OldImage); err != nil {
		return nil, nil, fmt.Errorf("old image: %w", err)
	}
	if next, err = decode(rec.Change.NewImage); err != nil {
		return nil, nil, fmt.Errorf("new image: %w", err)
	}
	return old, next, nil
}

// fromStreamImage converts a stream image (the Lambda event's attribute
// values) into the SDK's, which the store's records decode from.
func fromStreamImage(img map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		out[k] = fromStreamValue(v)
	}
	return out
}

func fromStreamValue(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		list := v.List()
		out := make([]types.AttributeValue, len(list))
		for i, e := range list {
			out[i] = fromStreamValue(e)
		}
		return &types.AttributeValueMemberL{Value: out}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: fromStreamImage(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

// ChangeFilters select the records DecodeChange may accept, for the event
// publisher: new and changed partners, partner users and invitations, and
// the webhook endpoints that are disabled (the only change of theirs that
// is an event); and purged invitations, which make no event (only TTL
// deletes them) but take their never-activated user with them.
func ChangeFilters() []StreamFilter {
	types := map[string][]string{attrType: {TypePartner, TypePartnerUser, TypeInvitation}}
	return []StreamFilter{
		{EventName: events.DynamoDBOperationTypeInsert, OneOf: types},
		{EventName: events.DynamoDBOperationTypeModify, OneOf: types},
		{EventName: events.DynamoDBOperationTypeModify, Strings: map[string]string{attrType: TypeWebhookEndpoint}, Bools: map[string]bool{"disabled": true}},
		// The purge of an ended invitation, whose never-activated user
		// goes with it.
		{EventName: events.DynamoDBOperationTypeRemove, Strings: map[string]string{attrType: TypeInvitation}, OldImage: true},
	}
}
