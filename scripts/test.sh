#!/usr/bin/env bash
# The one test command: formatting, lints, and every test on SQLite, PostgreSQL and Redis.
# Starts (or installs) PostgreSQL and Redis first; the database tests never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

export EHEALTH_TEST_PG_URL="${EHEALTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
export EHEALTH_TEST_REDIS_URL="${EHEALTH_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A clean clone gains nothing from incremental caches; they only cost disk.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

bash scripts/services.sh

drop_test_databases() {
  psql "$EHEALTH_TEST_PG_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'ehealth_t_%'" 2>/dev/null |
    while read -r db; do
      psql "$EHEALTH_TEST_PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
drop_test_databases

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== generated app clients are current (openapi-generator; tsc --strict)"
bash scripts/gen-contracts.sh --check

echo "== tests (SQLite, PostgreSQL, Redis)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast --test-threads 4
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "== schemathesis against the running API (as a signed-in patient)"
bash scripts/schemathesis.sh

drop_test_databases
