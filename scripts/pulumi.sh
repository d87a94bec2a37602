#!/usr/bin/env bash
# `pulumi` for this project (`npm run pulumi -- <command> [flags]`): the CLI from .toolchain/bin in the offline
# environment of scripts/pulumi-env.sh, whose PATH also has the Node.js language host (.toolchain/language-host,
# scripts/language-host) that runs the program and policy packs.
# Examples: npm run pulumi -- preview -s local --save-plan plan.json
#           npm run pulumi -- preview -s local --policy-pack policy --policy-pack-config policy/config/local.json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/pulumi-env.sh
. "$ROOT/scripts/pulumi-env.sh"
cd "$ROOT"

for tool in "$DSC_TOOLCHAIN_BIN/pulumi" "$DSC_LANGUAGE_HOST_BIN/pulumi-language-nodejs"; do
  if [ ! -x "$tool" ]; then
    echo "pulumi.sh: $tool not found; build the toolchain with: npm run toolchain" >&2
    exit 3
  fi
done
exec pulumi "$@"
