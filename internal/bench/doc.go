// Package bench holds the product's benchmarks against the local emulators:
// the CSV import of 10,000 rows and the latency of inviting one person,
// each beside the floor DynamoDB sets in the same run. Run them with
// `make bench`; docs/benchmarks.md records the figures.
package bench
