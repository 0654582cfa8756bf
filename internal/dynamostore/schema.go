// Package dynamostore is the DynamoDB adapter: it implements the domain's
// stores on one table, and owns that table's schema, which the CDK stack and
// the local bootstrap both build from. It owns the contract of the table's
// stream too: the item types, the decoders of the records that queue work,
// and the filter patterns of the consumers' event source mappings, so that
// the store, the consumers (outbox) and the stack (infra) cannot drift
// apart.
package dynamostore

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Index is a global secondary index of the table. Every index projects all
// attributes.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Schema describes the table in plain data, so that infra (CDK) and the local
// bootstrap (SDK) build the same table. Every key attribute is a string.
type Schema struct {
	PartitionKey string
	SortKey      string
	Indexes      []Index
	// TTLAttribute holds the epoch second after which DynamoDB may delete an item.
	TTLAttribute string
	// StreamView is the stream's view type; the email outbox needs both images.
	StreamView string
}

// Table is the schema of the one table.
var Table = Schema{
	PartitionKey: "PK",
	SortKey:      "SK",
	Indexes: []Index{
		// Listings within a tenant: partners, invitations (newest first).
		{Name: "GSI1", PartitionKey: "GSI1PK", SortKey: "GSI1SK"},
		// Sparse: only pending invitations, by expiry, for the expiry schedule.
		{Name: "GSI2", PartitionKey: "GSI2PK", SortKey: "GSI2SK"},
	},
	TTLAttribute: "ttl",
	StreamView:   string(types.StreamViewTypeNewAndOldImages),
}

// CreateTableInput returns the request that creates a table with this schema.
func (s Schema) CreateTableInput(name string) *dynamodb.CreateTableInput {
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String(s.PartitionKey), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(s.SortKey), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for _, ix := range s.Indexes {
		attrs = append(attrs,
			types.AttributeDefinition{AttributeName: aws.String(ix.PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(ix.SortKey), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.PartitionKey), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix.SortKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(s.PartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(s.SortKey), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: gsis,
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewType(s.StreamView),
		},
	}
}
