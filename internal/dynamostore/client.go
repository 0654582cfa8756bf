package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// client is the part of the DynamoDB client the store calls, held as the
// SDK client's method values rather than the client itself.
//
// Why not *dynamodb.Client: a Store is held in the domain's interfaces, and
// the linker keeps every exported method of a type reachable from a value in
// an interface once a program reflects on methods — which text/template
// does. A Store holding the client would keep all of DynamoDB's ~60
// operations, with their serializers, in every function that renders a
// template (about 1 MiB). Method values name only the operations below. See
// "Binary size" in docs/decisions.md.
type client struct {
	batchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	batchWriteItem     func(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	scan               func(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

func clientOf(c *dynamodb.Client) client {
	return client{
		batchGetItem:       c.BatchGetItem,
		batchWriteItem:     c.BatchWriteItem,
		deleteItem:         c.DeleteItem,
		getItem:            c.GetItem,
		putItem:            c.PutItem,
		query:              c.Query,
		scan:               c.Scan,
		transactWriteItems: c.TransactWriteItems,
		updateItem:         c.UpdateItem,
	}
}

// The operations under the SDK's own names, so that the store reads as if
// it held the client, and the SDK's paginators take it. Each write first
// waits for the request's admission (partners.AwaitAdmission): the tenant's
// request-rate count runs beside the request's reads, and nothing is
// written before it has said yes.

func (c client) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return c.batchGetItem(ctx, in, opts...)
}

func (c client) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if err := partners.AwaitAdmission(ctx); err != nil {
		return nil, err
	}
	return c.batchWriteItem(ctx, in, opts...)
}

func (c client) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := partners.AwaitAdmission(ctx); err != nil {
		return nil, err
	}
	return c.deleteItem(ctx, in, opts...)
}

func (c client) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return c.getItem(ctx, in, opts...)
}

func (c client) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := partners.AwaitAdmission(ctx); err != nil {
		return nil, err
	}
	return c.putItem(ctx, in, opts...)
}

func (c client) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return c.query(ctx, in, opts...)
}

func (c client) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return c.scan(ctx, in, opts...)
}

func (c client) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := partners.AwaitAdmission(ctx); err != nil {
		return nil, err
	}
	return c.transactWriteItems(ctx, in, opts...)
}

func (c client) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := partners.AwaitAdmission(ctx); err != nil {
		return nil, err
	}
	return c.updateItem(ctx, in, opts...)
}
