#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 2s):
# `make fuzz` runs them longer, `.ci/run` as a smoke. The targets are found
# by their declarations (no test binary is built to list them), and a
# package's targets run one after another, so that its instrumented build
# is compiled once and reused from the build cache. A failing input is
# written by go test under the package's testdata/fuzz/FuzzNAME/: commit
# it with the fix, and it runs in every `go test` from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-2s}
start=$SECONDS
n=0
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' internal cmd functions 2>/dev/null | xargs -n1 dirname | sort -u); do
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
    echo "fuzz: ./$dir $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "./$dir" > /tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
    n=$((n + 1))
  done
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets, $fuzztime each, in $((SECONDS - start)) s"
