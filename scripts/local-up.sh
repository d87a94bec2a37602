#!/usr/bin/env bash
# The project's main job (`npm start`), through the governance gate: build the Pulumi engine if needed, start a
# loopback chain (Hardhat in process on 127.0.0.1:$DSC_CHAIN_PORT), deploy the consortium with the local dev keys,
# write the local stack's run-time config, make the `local` change (`dsc change`: preview into a saved plan and a
# change bundle), sign it with enough dev keys for its tier, and apply exactly that plan with `dsc up`. The local
# stack renders the Kubernetes manifests of all three regions to folders (see Pulumi.local.yaml). A second run
# has nothing to change and says so.
#
# Usage: scripts/local-up.sh [--help]
# Environment: DSC_CHAIN_PORT (default 8545), and those of scripts/pulumi-env.sh (backend, passphrase).
set -euo pipefail

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/toolchain.sh
# shellcheck source=scripts/pulumi-env.sh
. scripts/pulumi-env.sh

printf '[local-up] engine: %s, backend %s\n' "$(pulumi version)" "$PULUMI_BACKEND_URL" >&2
node -r ts-node/register/transpile-only governance/cli/local.ts

printf '[local-up] rendered manifests:\n' >&2
find "$ROOT/.state/rendered" -name '*.yaml' 2>/dev/null | sed "s|$ROOT/||" | sort | awk -F/ '{ n[$3]++ } END { for (r in n) printf "  %s: %d files\n", r, n[r] }' >&2
