// Package bench holds the product's benchmarks against the local emulators:
// the latency of inviting one person and of accepting an invitation, and
// the CSV import of 10,000 rows, each beside the floor DynamoDB (and
// Cognito) set in the same run; and the write capacity each way of
// inviting costs per invitation. Run them with `make bench`;
// docs/benchmarks.md records the figures.
package bench
