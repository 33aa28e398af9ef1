#!/usr/bin/env bash
# `npm test`: the same bring-up as `npm start` (dependencies, PostgreSQL, Redis, build), then the
# whole Jest suite — unit, integration and e2e — against the real servers. Each run gets its own
# databases and Redis prefix (libs/testing/src/global-setup.ts). Extra arguments go to Jest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_deps
load_dotenv
ensure_infra
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  say "installing Chromium (apt) for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
fi
ensure_build
export TZ=UTC NODE_ENV=test
exec npm run -s jest -- "$@"
