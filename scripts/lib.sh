# Shared by start.sh, test.sh and hisob.sh (sourced, not run).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

say() { printf '\033[1m[hisob]\033[0m %s\n' "$*" >&2; }

# Install dependencies when node_modules is missing or older than the lock file.
ensure_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund >&2
  fi
}

# PostgreSQL + Redis up; exports DATABASE_URL and REDIS_URL (honouring values already set).
ensure_infra() {
  eval "$(bash scripts/infra.sh)"
  export DATABASE_URL REDIS_URL
}

ensure_build() {
  say "building (tsc)"
  npm run -s build >&2
}

# A local .env (see .env.example) applies to everything the scripts start; the shell's own
# variables win over it.
load_dotenv() {
  [ -f .env ] || return 0
  while IFS='=' read -r k v; do
    [[ "$k" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [ -n "${!k:-}" ] || export "$k=$v"
  done < <(grep -E '^[A-Z_][A-Z0-9_]*=' .env)
}
