#!/usr/bin/env bash
# The project's main job (`npm start`): build the Pulumi engine if needed, preview the `local` stack into a
# saved update plan, then apply exactly that plan with the real engine. The local stack renders the Kubernetes
# manifests of all three regions to folders instead of calling clusters (see Pulumi.local.yaml).
#
# Usage: scripts/local-up.sh [--help]
# Environment: DSC_STACK (default local), DSC_PLAN (default .state/plans/<stack>.json), and those of
# scripts/pulumi-env.sh (backend, passphrase).
set -euo pipefail

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[local-up] %s\n' "$*" >&2; }

bash scripts/toolchain.sh
# shellcheck source=scripts/pulumi-env.sh
. scripts/pulumi-env.sh

STACK="${DSC_STACK:-local}"
STATE="$ROOT/.state/$STACK"
PLAN="${DSC_PLAN:-$STATE/plan.json}"
# The committed Pulumi.$STACK.yaml plus the run-time settings (keys, secrets, chain addresses) that must not be
# committed: written fresh on every run into .state, and given to the CLI with --config-file.
CONFIG="$STATE/Pulumi.$STACK.yaml"
mkdir -p "$STATE" "$(dirname "$PLAN")"

log "engine: $(pulumi version), backend $PULUMI_BACKEND_URL"
if ! pulumi stack select "$STACK" --non-interactive 2>/dev/null; then
  log "creating stack '$STACK' (passphrase secrets provider; its salt is in Pulumi.$STACK.yaml)"
  pulumi stack init "$STACK" --secrets-provider passphrase --non-interactive
fi

cp -f "Pulumi.$STACK.yaml" "$CONFIG"
npx --no-install ts-node --transpile-only scripts/local-config.ts --stack "$STACK" --config-file "$CONFIG"

log "preview -s $STACK, saving the plan to $PLAN"
pulumi preview -s "$STACK" --config-file "$CONFIG" --save-plan "$PLAN" --non-interactive

log "up -s $STACK with exactly that plan"
pulumi up -s "$STACK" --config-file "$CONFIG" --plan "$PLAN" --yes --non-interactive

log "rendered manifests:"
find "$ROOT/.state/rendered" -name '*.yaml' 2>/dev/null | sed "s|$ROOT/||" | sort | awk -F/ '{ n[$3]++ } END { for (r in n) printf "  %s: %d files\n", r, n[r] }' >&2
