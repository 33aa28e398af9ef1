#!/usr/bin/env bash
# Brings up PostgreSQL and Redis for Hisob and prints `export` lines for DATABASE_URL and REDIS_URL.
#
# - A DATABASE_URL / REDIS_URL already in the environment is honoured as is (a laptop with its own
#   servers on other ports): it is only checked for reachability.
# - Otherwise the local servers are used, started if stopped and installed with apt when absent:
#   PostgreSQL through pg_ctlcluster on 127.0.0.1 (the postgres role gets the password
#   HISOB_PG_PASSWORD, default "postgres", because TCP uses scram-sha-256), and Redis on
#   127.0.0.1:6379 with no persistence and maxmemory-policy noeviction (BullMQ needs it).
#
# Usage: eval "$(bash scripts/infra.sh)"   — all diagnostics go to stderr.
set -euo pipefail

log() { printf '[infra] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >&2; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

wait_for() { # wait_for <seconds> <command...>
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# ---------- PostgreSQL ----------
if [ -n "${DATABASE_URL:-}" ]; then
  log "using DATABASE_URL from the environment"
  db_url=$DATABASE_URL
else
  if ! have pg_ctlcluster; then log "installing PostgreSQL (apt)"; apt_install postgresql; fi
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1{print $1" "$2}')
  if [ -z "$cluster" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "creating PostgreSQL cluster $ver main"; as_root pg_createcluster "$ver" main >&2
    cluster="$ver main"
  fi
  set -- $cluster; pg_ver=$1; pg_name=$2
  port=$(pg_lsclusters --no-header | awk -v v="$pg_ver" -v n="$pg_name" '$1==v && $2==n {print $3}')
  status=$(pg_lsclusters --no-header | awk -v v="$pg_ver" -v n="$pg_name" '$1==v && $2==n {print $4}')
  if [ "$status" != "online" ]; then
    log "starting PostgreSQL $pg_ver/$pg_name on port $port"
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_ver" "$pg_name" start >&2 || as_root pg_ctlcluster "$pg_ver" "$pg_name" start >&2
  fi
  wait_for 30 pg_isready -q -h /var/run/postgresql -p "$port" || { log "PostgreSQL did not become ready"; exit 1; }
  pw=${HISOB_PG_PASSWORD:-postgres}
  # TCP logins use scram-sha-256 and the stock postgres role has no password: give it one (idempotent).
  (cd / && as_root su postgres -c "psql -q -p $port -c \"ALTER USER postgres PASSWORD '$pw'\"") >/dev/null
  db_url="postgres://postgres:${pw}@127.0.0.1:${port}/hisob"
fi

# Create the target database when it does not exist (the URL's path names it).
node --input-type=module -e '
  import pg from "pg";
  const url = new URL(process.argv[1]);
  const name = decodeURIComponent(url.pathname.slice(1)) || "hisob";
  const admin = new URL(url); admin.pathname = "/postgres";
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!rowCount) await c.query(`CREATE DATABASE "${name.replaceAll("\"", "")}"`);
  await c.end();
' "$db_url" >&2 || { log "cannot reach PostgreSQL at the configured DATABASE_URL"; exit 1; }

# ---------- Redis ----------
if [ -n "${REDIS_URL:-}" ]; then
  log "using REDIS_URL from the environment"
  redis_url=$REDIS_URL
else
  redis_url="redis://127.0.0.1:6379"
  if ! (have redis-cli && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
    if ! have redis-server; then log "installing Redis (apt)"; apt_install redis-server; fi
    log "starting Redis on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --maxmemory-policy noeviction >&2
    wait_for 10 redis-cli -h 127.0.0.1 -p 6379 ping || { log "Redis did not become ready"; exit 1; }
  fi
  # BullMQ loses jobs under an evicting policy (it warns at start-up): insist on noeviction.
  redis-cli -h 127.0.0.1 -p 6379 config set maxmemory-policy noeviction >/dev/null 2>&1 || true
fi

printf 'export DATABASE_URL=%q\n' "$db_url"
printf 'export REDIS_URL=%q\n' "$redis_url"
