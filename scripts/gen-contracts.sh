#!/usr/bin/env bash
# Generates the app clients from the committed contract, openapi/openapi.json, into
# mobile-contracts/generated/{typescript,kotlin,swift} with openapi-generator (PyPI package
# openapi-generator-cli, which ships the generator jar; runs on the machine's Java 17), and
# compiles the TypeScript client with `tsc --strict`.
#
#   scripts/gen-contracts.sh           regenerate (commit the result)
#   scripts/gen-contracts.sh --check   regenerate into a temporary folder and fail if the
#                                      committed output differs (scripts/test.sh runs this)
#
# The generators must not warn about the document. Two notices about the generators themselves
# are expected and ignored: OpenAPI 3.1 support being "beta", and the swift5 generator being
# deprecated in favour of swift6 (the apps target Swift 5).
set -euo pipefail
cd "$(dirname "$0")/.."

GENERATOR_VERSION=7.26.0
TYPESCRIPT_VERSION=5.9.3
TOOLS="$PWD/target/tools"
SPEC="$PWD/openapi/openapi.json"
COMMITTED="$PWD/mobile-contracts/generated"

mode=write
[ "${1:-}" = "--check" ] && mode=check

command -v java >/dev/null || { echo "gen-contracts: Java 17 is needed (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

venv="$TOOLS/openapi-generator-$GENERATOR_VERSION"
if [ ! -x "$venv/bin/openapi-generator-cli" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-generator-cli==$GENERATOR_VERSION"
fi

tsc="$TOOLS/typescript-$TYPESCRIPT_VERSION/node_modules/.bin/tsc"
if [ ! -x "$tsc" ]; then
  mkdir -p "$TOOLS/typescript-$TYPESCRIPT_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/typescript-$TYPESCRIPT_VERSION" \
    "typescript@$TYPESCRIPT_VERSION" >/dev/null
fi

if [ "$mode" = check ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
else
  out="$COMMITTED"
fi

generate() { # folder generator extra-properties
  local dir=$1 generator=$2 props=$3 log
  log="$(mktemp)"
  rm -rf "${out:?}/$dir"
  if ! "$venv/bin/openapi-generator-cli" generate -i "$SPEC" -g "$generator" -o "$out/$dir" \
      --additional-properties="$props" >"$log" 2>&1; then
    cat "$log" >&2
    echo "gen-contracts: $generator failed" >&2
    exit 1
  fi
  local warnings
  warnings="$(grep -E '\b(WARN|ERROR)\b' "$log" \
    | grep -v -e 'OpenAPI 3.1 support is still in beta' \
              -e "Generator 'swift5' is considered deprecated" \
              -e 'This generator has been deprecated. Please use `swift6`' || true)"
  rm -f "$log"
  if [ -n "$warnings" ]; then
    echo "$warnings" >&2
    echo "gen-contracts: $generator warned about the contract (fix openapi/openapi.json's source)" >&2
    exit 1
  fi
}

generate typescript typescript-fetch "npmName=@ehealth/client,supportsES6=true"
generate kotlin kotlin "packageName=hk.ehealth.client,groupId=hk.ehealth,artifactId=ehealth-client"
generate swift swift5 "projectName=EHealthClient"

echo "== tsc --strict (TypeScript client)"
"$tsc" --strict --noEmit --target es2019 --lib es2019,dom --module commonjs \
  --moduleResolution node "$out/typescript/src/index.ts"

if [ "$mode" = check ]; then
  if ! diff -r -q "$COMMITTED" "$out" >/dev/null 2>&1; then
    diff -r -q "$COMMITTED" "$out" | head -20 >&2 || true
    echo "gen-contracts: mobile-contracts/generated is out of date: run scripts/gen-contracts.sh and commit it" >&2
    exit 1
  fi
  echo "generated clients are up to date"
else
  echo "wrote $COMMITTED/{typescript,kotlin,swift}"
fi
