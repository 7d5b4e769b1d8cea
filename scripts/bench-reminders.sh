#!/usr/bin/env bash
# Reminder benchmark (not a test): a release build of target/release/bench_reminders, which
# runs three server instances in-process on PostgreSQL and Redis with a local FCM stand-in.
# Prints:
#   1. the claim rate of the due-queue's Lua claim script through our client vs redis-benchmark
#      running the same script with the same arguments and concurrency (ratio >= 0.5)
#   2. 100,000 reminders due in the same minute: time to drain to the FCM stand-in, lost
#      (target 0) and duplicates (target 0), and the queue's rebuild time from the database
# BENCH_PATIENTS x BENCH_PER_PATIENT sets the size (500 x 200); BENCH_CLIENTS the concurrency (8).
set -euo pipefail
cd "$(dirname "$0")/.."

export EHEALTH_TEST_PG_URL="${EHEALTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
export EHEALTH_TEST_REDIS_URL="${EHEALTH_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
bash scripts/services.sh
command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing (apt-get install redis-tools)" >&2; exit 1; }
cargo build --release --locked -p ehealth-tests --bin bench_reminders
RUST_LOG="${RUST_LOG:-error}" target/release/bench_reminders
