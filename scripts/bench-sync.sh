#!/usr/bin/env bash
# Sync benchmark (not a test): release server on PostgreSQL, driven over HTTP by
# target/release/bench_sync, with pgbench as the baseline in the same run. Prints one line per
# figure:
#   1. push of 10,000 readings in 100-mutation batches vs pgbench 100-row upserts (ratio >= 0.5)
#   2. first pull of 100,000 rows: rows/s (>= 20,000) and server memory growth (<= 64 MB)
#   3. incremental pull of 100 changes with 10^4 vs 10^6 rows in the scope: p50 ratio (<= 1.5)
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${EHEALTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
BASE="${ADMIN_URL%/*}"
DB=ehealth_bench
PORT="${BENCH_PORT:-18181}"
SECRET="bench-secret-key-material-0123456789abcdef"

bash scripts/services.sh
cargo build --release --locked -p ehealth-api --bin ehealth -p ehealth-tests --bin bench_sync

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null

DATABASE_URL="$BASE/$DB" EHEALTH_BIND="127.0.0.1:$PORT" EHEALTH_SECRET_KEY="$SECRET" \
EHEALTH_RP_ID=ehealth.test EHEALTH_RP_ORIGIN=https://app.ehealth.test \
EHEALTH_RATE_LIMIT_PER_ADDRESS=1000000 EHEALTH_RATE_LIMIT_PER_IDENTITY=1000000 \
EHEALTH_ACCESS_TOKEN_TTL=86400 RUST_LOG=warn \
  target/release/ehealth serve &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

BENCH_URL="http://127.0.0.1:$PORT" BENCH_DATABASE_URL="$BASE/$DB" BENCH_SERVER_PID="$SERVER" \
BENCH_SECRET_KEY="$SECRET" target/release/bench_sync
