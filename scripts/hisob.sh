#!/usr/bin/env bash
# `npm run hisob -- <command>`: the Hisob CLI (clients, migrations, demo seed) against the same
# PostgreSQL that `npm start` uses.
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
[ -f dist/apps/api/src/cli.js ] && [ -z "$(find apps libs -name '*.ts' -newer dist/apps/api/src/cli.js -print -quit)" ] || ensure_build
exec node dist/apps/api/src/cli.js "$@"
