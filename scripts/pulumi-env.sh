# shellcheck shell=bash
# The offline environment for the Pulumi engine built by scripts/toolchain.sh.
# Source it from bash:   . scripts/pulumi-env.sh
#
# Every variable already set by the caller wins, so CI or a user can point elsewhere.
#   PULUMI_BACKEND_URL      file backend in the project's .state/backend (git-ignored); no Pulumi Cloud login
#   PULUMI_HOME             .state/pulumi-home: the engine's plugin cache and settings stay in the project
#   PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE
#                           passphrase of the passphrase secrets provider. Default, only when neither is set:
#                           the LOCAL stack's passphrase "dsc-local-stack". It is well known: the local stack's
#                           state holds the loopback clusters' admin kubeconfigs (also in .state/kube, 0600) and
#                           dev keys, nothing of value. Set your own for any other stack.
#   PULUMI_SKIP_UPDATE_CHECK=true                    no call home for a newer CLI
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true plugins come from .toolchain/bin, never from a download
#   PATH                    .toolchain/bin and .toolchain/language-host first, so the engine finds pulumi-resource-*
#                           ("ambient" plugins) and the Node.js language host that runs programs and policy packs
#                           (scripts/language-host). In a shell: pulumi preview -s local --policy-pack policy

DSC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DSC_ROOT
export DSC_TOOLCHAIN_BIN="$DSC_ROOT/.toolchain/bin"
export DSC_LANGUAGE_HOST_BIN="$DSC_ROOT/.toolchain/language-host"

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$DSC_ROOT/.state/backend}"
export PULUMI_HOME="${PULUMI_HOME:-$DSC_ROOT/.state/pulumi-home}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="dsc-local-stack"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

for dir in "$DSC_LANGUAGE_HOST_BIN" "$DSC_TOOLCHAIN_BIN"; do
  case ":$PATH:" in
    *":$dir:"*) ;;
    *) export PATH="$dir:$PATH" ;;
  esac
done

mkdir -p "$PULUMI_HOME"
case "$PULUMI_BACKEND_URL" in
  file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;;
esac
