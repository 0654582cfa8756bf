// Package partners is the domain of Partner Invites: tenants and their API
// keys, partner organisations, the rules that govern them and the Service
// that applies those rules.
//
// It imports no AWS SDK. The interfaces it consumes (Store, Clock) are
// implemented by adapters such as internal/dynamostore; the API Gateway
// adapter (internal/apigw) calls the Service and maps its errors to HTTP.
package partners
