// Package api holds the OpenAPI 3.1 description of the product's HTTP API,
// openapi.yaml: the contract that the handler tests validate every request
// and response against, and that the client under client/ is generated from.
package api

import _ "embed"

// Spec is openapi.yaml, as written.
//
//go:embed openapi.yaml
var Spec []byte
