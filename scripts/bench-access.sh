#!/usr/bin/env bash
# Access benchmark (not a test): what the access log costs a consented record read. Two
# release servers from one `--features ehealth-api/bench` build on PostgreSQL, one with the
# access-log append (as in production), one with it switched off (EHEALTH_BENCH_SKIP_ACCESS_LOG,
# honoured only by a bench build), driven alternately by target/release/bench_access.
# Prints: reads/s with and without, the ratio (target >= 0.7), and p50 latencies.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${EHEALTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
BASE="${ADMIN_URL%/*}"
SECRET="bench-secret-key-material-0123456789abcdef"
OFFICER="bench-officer-token"

bash scripts/services.sh
cargo build --release --locked -p ehealth-api --features ehealth-api/bench --bin ehealth \
  -p ehealth-tests --bin bench_access

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for db in ehealth_bench_logged ehealth_bench_unlogged; do
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

start() { # name port extra-env...
  local db=$1 port=$2; shift 2
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  psql "$ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
  env DATABASE_URL="$BASE/$db" EHEALTH_BIND="127.0.0.1:$port" EHEALTH_SECRET_KEY="$SECRET" \
    EHEALTH_OFFICER_TOKEN="$OFFICER" EHEALTH_RP_ID=ehealth.test \
    EHEALTH_RP_ORIGIN=https://app.ehealth.test EHEALTH_RATE_LIMIT_PER_ADDRESS=100000000 \
    EHEALTH_RATE_LIMIT_PER_IDENTITY=100000000 EHEALTH_ACCESS_TOKEN_TTL=86400 \
    EHEALTH_SCHEDULER=off RUST_LOG=warn "$@" target/release/ehealth serve &
  PIDS+=($!)
  for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "server on $port did not start" >&2
  exit 1
}

start ehealth_bench_logged 18281
start ehealth_bench_unlogged 18282 EHEALTH_BENCH_SKIP_ACCESS_LOG=1

BENCH_URL_LOGGED=http://127.0.0.1:18281 BENCH_URL_UNLOGGED=http://127.0.0.1:18282 \
BENCH_OFFICER_TOKEN="$OFFICER" target/release/bench_access
