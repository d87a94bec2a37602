#!/usr/bin/env bash
# `pulumi` for this project (`npm run pulumi -- <command> [flags]`): the offline environment of
# scripts/pulumi-env.sh and the CLI from .toolchain/bin, with the Node.js language host built by
# scripts/toolchain.sh (.toolchain/language-host) first on PATH, so the CLI runs the program itself.
# Example: npm run pulumi -- preview -s local --save-plan plan.json
#
# With --policy-pack the program is served by scripts/pulumi-run.ts instead: that host (sdk/v3 v3.68.0) cannot
# run policy packs, so the CLI must find one that can on PATH (policy/engine/with-policy-host.sh) and get the
# program from elsewhere (scripts/README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/pulumi-env.sh
. "$ROOT/scripts/pulumi-env.sh"
cd "$ROOT"

for arg in "$@"; do
  case "$arg" in
    --policy-pack | --policy-pack=*)
      exec npx --no-install ts-node --transpile-only scripts/pulumi-run.ts "$@"
      ;;
  esac
done

if [ ! -x "$DSC_LANGUAGE_HOST_BIN/pulumi-language-nodejs" ]; then
  echo "pulumi.sh: no Node.js language host in $DSC_LANGUAGE_HOST_BIN; build it with: npm run toolchain" >&2
  exit 3
fi
PATH="$DSC_LANGUAGE_HOST_BIN:$PATH" exec pulumi "$@"
