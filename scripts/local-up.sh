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
PLAN="${DSC_PLAN:-$ROOT/.state/plans/$STACK.json}"
mkdir -p "$(dirname "$PLAN")"

# The CLI, with the project's program served by the SDK's language runtime (scripts/pulumi-run.ts says why).
pulumi_with_program() {
  bash scripts/pulumi.sh "$@"
}

log "engine: $(pulumi version), backend $PULUMI_BACKEND_URL"
if ! pulumi stack select "$STACK" --non-interactive 2>/dev/null; then
  log "creating stack '$STACK' (passphrase secrets provider)"
  pulumi stack init "$STACK" --secrets-provider passphrase --non-interactive
fi

log "preview -s $STACK, saving the plan to $PLAN"
pulumi_with_program preview -s "$STACK" --save-plan "$PLAN" --non-interactive

log "up -s $STACK with exactly that plan"
pulumi_with_program up -s "$STACK" --plan "$PLAN" --yes --non-interactive

log "stack outputs:"
pulumi stack output -s "$STACK" --json
