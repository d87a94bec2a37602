#!/usr/bin/env bash
# `pulumi` for this project (`npm run pulumi -- <command> [flags]`): the offline environment of
# scripts/pulumi-env.sh, the CLI from .toolchain/bin, and for preview/up/refresh/destroy the project's program
# served to it by scripts/pulumi-run.ts. Example: npm run pulumi -- preview -s local --save-plan plan.json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/pulumi-env.sh
. "$ROOT/scripts/pulumi-env.sh"
cd "$ROOT"
exec npx --no-install ts-node --transpile-only scripts/pulumi-run.ts "$@"
