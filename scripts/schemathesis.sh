#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis (PyPI): no 5xx, no
# response outside its schema, no invalid request accepted, no endpoint that works without its
# declared authentication. Runs a debug server on a fresh SQLite file, signs a patient in with a
# software passkey (target/debug/patient_token) and sends that patient's token.
#
# The operations that end the patient's own session or account (sign-out, removing the device,
# withdrawal) are left out, or everything after them would only test 401s.
# The coverage phase is left out: schemathesis 4.32.5 reports a request without the optional
# `identity_document.issuing_country` as schema-violating (a false positive; the schema does
# not require it). It did find a real gap before (an empty body documented as required).
# SCHEMATHESIS_EXAMPLES (default 20) and SCHEMATHESIS_SEED (default 1) tune a run.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
TOOLS="$PWD/target/tools"
venv="$TOOLS/schemathesis-$VERSION"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

cargo build --locked -q -p ehealth-api --bin ehealth -p ehealth-tests --bin patient_token

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$work/api.sqlite" EHEALTH_BIND="127.0.0.1:$port" \
EHEALTH_SECRET_KEY="schemathesis-secret-key-material-0123456789" \
EHEALTH_OFFICER_TOKEN="schemathesis-officer-token" EHEALTH_SCHEDULER=off \
EHEALTH_RATE_LIMIT_PER_ADDRESS=1000000 EHEALTH_RATE_LIMIT_PER_IDENTITY=1000000 \
RUST_LOG=error target/debug/ehealth >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=1)" \
    >/dev/null 2>&1 && break
  sleep 0.1
done

token="$(DEMO_URL="http://127.0.0.1:$port" target/debug/patient_token |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,response_schema_conformance,negative_data_rejection,ignored_auth \
  --header "Authorization: Bearer $token" \
  --exclude-operation-id delete_session \
  --exclude-operation-id delete_device \
  --exclude-operation-id withdraw_patient \
  --phases examples,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed "${SCHEMATHESIS_SEED:-1}" \
  --no-color
