#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 for the tests: starts them when installed,
# installs them with apt on Debian/Ubuntu when missing. Fails loudly otherwise; tests never skip.
set -euo pipefail

PG_URL="${EHEALTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

log() { printf '[services] %s\n' "$*" >&2; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    log "cannot install $* here (no apt-get): install and start it yourself"
    exit 1
  fi
  log "installing $* with apt-get"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else $SUDO -u postgres "$@"; fi
}

ensure_postgres() {
  if ! pg_ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      apt_install postgresql
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    if ! ls "/etc/postgresql/$version" >/dev/null 2>&1 || [ -z "$version" ]; then
      log "no PostgreSQL cluster found after install"; exit 1
    fi
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # The tests connect over TCP without a password, as on the development machines.
    if ! $SUDO grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      log "allowing trusted local TCP connections in $hba (test machine)"
      $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    log "starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    pg_ready || { log "PostgreSQL did not come up"; exit 1; }
  fi
  db="${PG_URL##*/}"
  if ! psql "$PG_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    log "creating database $db"
    as_postgres createdb "$db" 2>/dev/null || true
    psql "$PG_URL" -Atqc 'SELECT 1' >/dev/null || { log "cannot connect to $PG_URL"; exit 1; }
  fi
}

ensure_redis() {
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && return
    sleep 0.5
  done
  log "Redis did not come up"; exit 1
}

# The contract generation in scripts/test.sh (openapi-generator on Java 17, tsc from npm).
ensure_contract_tools() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
}

ensure_postgres
ensure_redis
ensure_contract_tools
log "PostgreSQL and Redis are up; Java, npm and Python venv present"
