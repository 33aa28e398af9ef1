#!/usr/bin/env bash
# `npm start`: the whole service on this machine — PostgreSQL, Redis, migrations, the sandbox
# banks, the worker and the API — with a demo client. Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_deps
load_dotenv
# A local checkout runs as development; unset, the configuration means production (and refuses
# the sandbox secrets).
export NODE_ENV=${NODE_ENV:-development}
# Local webhook receivers (127.0.0.1) are allowed outside production only.
[ "$NODE_ENV" = production ] || export HISOB_ALLOW_PRIVATE_WEBHOOKS=${HISOB_ALLOW_PRIVATE_WEBHOOKS:-true}
ensure_infra
ensure_build

node dist/apps/api/src/cli.js migrate up >/dev/null
demo=$(node dist/apps/api/src/cli.js demo seed)
api_port=${HISOB_API_PORT:-3000}
mkdir -p .hisob/logs

pids=()
stopping=0
cleanup() {
  stopping=1
  trap - INT TERM EXIT
  say "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

launch() { # launch <name> <command…>
  local name=$1; shift
  "$@" >".hisob/logs/$name.log" 2>&1 &
  pids+=($!)
}

wait_http() { # wait_http <name> <url>
  node -e '
    const [url] = process.argv.slice(1); const until = Date.now() + 30000;
    (async () => { for (;;) { try { if ((await fetch(url)).ok) process.exit(0); } catch {}
      if (Date.now() > until) process.exit(1); await new Promise((r) => setTimeout(r, 100)); } })();' "$2" && return 0
  say "$1 did not come up — see .hisob/logs/$1.log"; tail -n 20 ".hisob/logs/$1.log" >&2; exit 1
}

# Every sandbox bank that is built, on its default port (design/architecture.md), with the demo
# data of seed 42 and a history ending today; each prints its users (GET /__sandbox/users).
declare -A SANDBOX_PORTS=([sandbox-alif-mobi]=4010 [sandbox-alif-shop]=4020 [sandbox-accessbank]=4030 [sandbox-bepaid]=4040)
sandbox_lines=()
sandboxes=()
for name in "${!SANDBOX_PORTS[@]}"; do
  main="dist/apps/$name/src/main.js"
  [ -f "$main" ] || continue
  launch "$name" node "$main" --port "${SANDBOX_PORTS[$name]}" --seed "${HISOB_SANDBOX_SEED:-42}"
  sandboxes+=("$name")
done
# The worker's V8 flags (bench/sync.ts measures them; README "Benchmarks"):
# - a bounded heap keeps its memory flat however long the history it copies (pages stream);
# - GC on its own thread: it serves no requests, so pauses cost it nothing, while V8's helper
#   threads took the cores the bank and PostgreSQL need (worker CPU −12-18 %);
# - a full GC when the old generation has doubled: each history page leaves ~1.3 MB of text in
#   the old generation, and near the heap cap V8 ran a full mark-compact every ~8 pages (−10-20 %).
launch worker node --max-old-space-size=192 --single-threaded-gc --heap-growing-percent=100 \
  dist/apps/worker/src/main.js
# A 64 MB young generation: a page's rows and its response live for the whole request, which
# under load spans several scavenges of the default one (bench/read.ts: 0.48 → 0.67 of the bare rate).
launch api node --max-semi-space-size=64 dist/apps/api/src/main.js

wait_http api "http://127.0.0.1:${api_port}/health/ready"
for name in "${sandboxes[@]}"; do
  url="http://127.0.0.1:${SANDBOX_PORTS[$name]}"
  if [ "$name" = sandbox-bepaid ]; then
    # The bePaid simulator has no users: it calls a merchant (apps/sandbox-bepaid/README.md).
    wait_http "$name" "$url/__sandbox/state"
    sandbox_lines+=("  $name  $url")
    sandbox_lines+=("      POST $url/__sandbox/merchants, then POST $url/__sandbox/pay (public key: $url/__sandbox/public-key)")
    continue
  fi
  wait_http "$name" "$url/__sandbox/users"
  sandbox_lines+=("  $name  $url")
  # A login-and-password bank prints both; an OTP-only one (Alif Shop) prints the phone number.
  sandbox_lines+=("$(node -e 'fetch(process.argv[1]).then((r) => r.json()).then((b) => { for (const x of b.users ?? []) console.log(x.username ? `      user ${x.username}  password ${x.password}  otp ${x.otp ?? b.otp}` : `      msisdn ${x.msisdn}  otp ${x.otp ?? b.otp}  ${x.name}${x.application_status && x.application_status !== "approved" ? ` (application ${x.application_status})` : ""}`); })' "$url/__sandbox/users")")
done

demo_key=${HISOB_DEMO_API_KEY:-$(node --input-type=module -e 'import {loadApiConfig} from "./dist/libs/common/src/config.js"; process.stdout.write(loadApiConfig().HISOB_DEMO_API_KEY)')}
cat <<BANNER

  Hisob is running.
  API          http://127.0.0.1:${api_port}        (docs: /docs, OpenAPI: /docs-json, /health/ready, /metrics)
  Demo client  $(printf '%s' "$demo" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).client_id))')
  Demo API key ${demo_key}
  Admin token  ${HISOB_ADMIN_TOKEN:-hisob-dev-admin-token}
  PostgreSQL   $(printf "%s" "${DATABASE_URL%%\?*}" | sed -E "s#//([^:/@]+):[^@]*@#//\1:***@#")
  Redis        ${REDIS_URL}
  Sandboxes
$(printf '%s\n' "${sandbox_lines[@]:-  (none built)}")
  Logs         .hisob/logs/

  Try: curl -H "Authorization: Bearer ${demo_key}" http://127.0.0.1:${api_port}/v1/providers
  Ctrl-C stops everything.

BANNER
wait -n "${pids[@]}" || true
[ "$stopping" = 1 ] || say "a process exited — see .hisob/logs/"
