#!/usr/bin/env bash
# Run a command in the project's offline Pulumi environment (scripts/pulumi-env.sh) with this folder's
# policy-pack language host on PATH, so the engine can start the Node.js pack in policy/ (language-host.ts
# says why it is needed). Examples:
#   policy/engine/with-policy-host.sh pulumi policy analyze --file state.json --policy-pack policy --policy-pack-config policy/config/beta.json
#   policy/engine/with-policy-host.sh bash scripts/pulumi.sh preview -s local --policy-pack policy --policy-pack-config policy/config/local.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../scripts/pulumi-env.sh
. "$here/../../scripts/pulumi-env.sh"
if [ ! -x "$DSC_TOOLCHAIN_BIN/pulumi" ]; then
  echo "with-policy-host: no Pulumi CLI at $DSC_TOOLCHAIN_BIN/pulumi; build it with: bash scripts/toolchain.sh" >&2
  exit 3
fi
# After .toolchain/bin: a real pulumi-language-nodejs there, if one is ever built, wins.
export PATH="$PATH:$here"
exec "$@"
