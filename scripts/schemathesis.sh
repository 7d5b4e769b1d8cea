#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis (PyPI): no 5xx, no
# response outside its schema, no invalid request accepted, no endpoint that works without its
# declared authentication. Runs a debug server on a fresh SQLite file and signs in every kind of
# caller the document declares, each with its own security scheme (schemathesis's OpenAPI-aware
# auth): a patient with a software passkey (`bearer`, target/debug/patient_token), a clinic's
# doctor who administers its users (`staff`) and the clinic's system (`system`, both from
# target/debug/provider_tokens), and the registration office (`officer`).
# The requests' examples (phase `examples`) are the golden fixtures (mobile-contracts/fixtures/).
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

cargo build --locked -q -p ehealth-api --bin ehealth -p ehealth-tests --bin patient_token --bin provider_tokens

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

officer="schemathesis-officer-token"
DATABASE_URL="sqlite://$work/api.sqlite" EHEALTH_BIND="127.0.0.1:$port" \
EHEALTH_SECRET_KEY="schemathesis-secret-key-material-0123456789" \
EHEALTH_LOG_SIGNING_KEY_FILE="$work/log-signing.key" \
EHEALTH_OFFICER_TOKEN="$officer" EHEALTH_SCHEDULER=off \
EHEALTH_RATE_LIMIT_PER_ADDRESS=1000000 EHEALTH_RATE_LIMIT_PER_IDENTITY=1000000 \
RUST_LOG=error target/debug/ehealth >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=1)" \
    >/dev/null 2>&1 && break
  sleep 0.1
done

patient="$(DEMO_URL="http://127.0.0.1:$port" target/debug/patient_token)"
providers="$(DEMO_URL="http://127.0.0.1:$port" DEMO_OFFICER_TOKEN="$officer" target/debug/provider_tokens)"
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
cat >"$work/schemathesis.toml" <<TOML
[auth.openapi.bearer]
bearer = "$(field "$patient" access_token)"
[auth.openapi.staff]
bearer = "$(field "$providers" staff_token)"
[auth.openapi.system]
bearer = "$(field "$providers" system_token)"
[auth.openapi.officer]
bearer = "$officer"
TOML

"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,response_schema_conformance,negative_data_rejection,ignored_auth \
  --exclude-operation-id delete_session \
  --exclude-operation-id delete_device \
  --exclude-operation-id withdraw_patient \
  --phases examples,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed "${SCHEMATHESIS_SEED:-1}" \
  --no-color
