#!/usr/bin/env bash
# The emulator-backed suite (`make test`), on two emulator stacks at once.
#
# Why two: DynamoDB Local answers on one core, and late in the suite it was
# at 100 % of it while internal/apigw (its heaviest user) took 17 minutes and
# its timing-bound tests grew flaky. The other core was idle. So half of
# internal/apigw's tests run on a second stack of their own (ports
# 18020-18023) while everything else runs on the default one. The second
# half is A-E by name plus the heaviest (the fault scenarios, the isolation
# matrix, the malformed sweep, the webhooks): A-E alone took 63 s to the
# rest's 14 min; with the faults, matrix and sweep, 196 s to 520 s.
set -uo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
timeout=${TEST_TIMEOUT:-30m}
others=$($go list ./... | grep -v '/internal/apigw$' | tr '\n' ' ')

# Half of internal/apigw's tests (by name), on the second stack.
second_half='^Test([A-E]|Fault|Isolation|Malformed|Webhook|Rotated)'
DYNAMODB_PORT=18020 SES_PORT=18021 COGNITO_PORT=18022 local/stack.sh with \
  $go test -count=1 -timeout "$timeout" -run "$second_half" ./internal/apigw/ &
second=$!

# Everything else, then the other half of internal/apigw, on the default stack.
local/stack.sh with bash -c "$go test -count=1 -timeout $timeout $others && $go test -count=1 -timeout $timeout -skip '$second_half' ./internal/apigw/"
first=$?

wait "$second"
second=$?
if [ "$first" -ne 0 ] || [ "$second" -ne 0 ]; then
  echo "test: failed (default stack: exit $first; second stack: exit $second)" >&2
  exit 1
fi
