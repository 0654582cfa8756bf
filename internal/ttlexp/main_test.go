package ttlexp

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

func TestTTL(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db)
	ctx := context.Background()
	past := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "b"}, "ttl": &types.AttributeValueMemberN{Value: past}, "type": &types.AttributeValueMemberS{Value: "token"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < 3*time.Minute {
		out, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "b"}}, ConsistentRead: aws.Bool(true)})
		if out.Item == nil {
			t.Logf("deleted after %s", time.Since(start))
			return
		}
		time.Sleep(time.Second)
	}
	t.Log("not deleted in 3 minutes")
}
