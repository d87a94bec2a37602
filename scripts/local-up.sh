#!/usr/bin/env bash
# The project's main job (`npm start`), through the governance gate: build the toolchain if needed, start (or keep)
# the three local Kubernetes clusters, one per region (scripts/kube: real API servers, kwok playing the kubelets),
# start a loopback chain (Hardhat in process on 127.0.0.1:$DSC_CHAIN_PORT), deploy the consortium with the local dev
# keys, write the local stack's run-time config (with dsc:localKubeconfigDir pointing at the clusters), make the
# `local` change (`dsc change`: preview into a saved plan and a change bundle), sign it with enough dev keys for
# its tier, apply exactly that plan with `dsc up`, and list each region's pods. A second run has nothing to change
# and says so. The clusters keep running afterwards: `npm run kube -- down` stops them.
#
# Then it runs the federation: the three replication nodes, the three watchers (configured from what the stack
# installed in each cluster) and the status page as local processes, prints the endpoints, tokens and what to try,
# and stays until Ctrl-C, which stops those processes and the clusters. A second run while one runs says so.
#
# Usage: scripts/local-up.sh [--reset] [--help]    --reset: stop the clusters and delete the state folder first
# Environment: DSC_STATE_DIR (state folder, default .state), DSC_KUBE_ROOT (clusters' folder, default
# $DSC_STATE_DIR/kube), DSC_LOCAL_CLUSTERS=render (no clusters: each region renders its manifests as YAML under
# .state/rendered/<region>), DSC_CHAIN_PORT (default 8545), and those of scripts/pulumi-env.sh (backend, passphrase).
set -euo pipefail

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
RESET=false
for arg in "$@"; do
  case "$arg" in
    --reset) RESET=true ;;
    *) printf '[local-up] unknown argument %s (--reset, --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STATE="$(realpath -m "${DSC_STATE_DIR:-$ROOT/.state}")"
export DSC_STATE_DIR="$STATE"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$STATE/backend}"
export PULUMI_HOME="${PULUMI_HOME:-$STATE/pulumi-home}"
node_ts() { node -r ts-node/register/transpile-only "$@"; }
if node_ts governance/federation/running.ts "$STATE"; then
  exit 0
fi
MODE="${DSC_LOCAL_CLUSTERS:-kube}"
case "$MODE" in
  kube | render) ;;
  *) printf '[local-up] DSC_LOCAL_CLUSTERS=%s: expected "kube" (default: the local clusters) or "render" (YAML, no clusters)\n' "$MODE" >&2; exit 2 ;;
esac

bash scripts/toolchain.sh
# shellcheck source=scripts/pulumi-env.sh
. scripts/pulumi-env.sh
printf '[local-up] engine: %s, backend %s\n' "$(pulumi version)" "$PULUMI_BACKEND_URL" >&2

KUBE_ROOT="$(realpath -m "${DSC_KUBE_ROOT:-$STATE/kube}")"
if [ "$RESET" = true ]; then
  printf '[local-up] --reset: stopping the clusters of %s and deleting %s\n' "$KUBE_ROOT" "$STATE" >&2
  [ -d "$KUBE_ROOT" ] && node_ts scripts/kube/cli.ts down --root "$KUBE_ROOT" >&2
  rm -rf "$STATE" "$KUBE_ROOT"
  mkdir -p "${PULUMI_BACKEND_URL#file://}" "$PULUMI_HOME"
fi
if [ "$MODE" = kube ]; then
  # Ctrl-C (or the end of the run, however it ends) stops the clusters too: nothing of the federation is left running.
  stop_clusters() {
    printf '[local-up] stopping the clusters (their objects stay in %s)\n' "$KUBE_ROOT" >&2
    node_ts scripts/kube/cli.ts down --root "$KUBE_ROOT" >&2 || true
  }
  trap 'stop_clusters; rm -rf "$TMPDIR"/kubeconfig* "$TMPDIR"/pulumi-node-pipes*' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  node_ts scripts/kube/cli.ts up --root "$KUBE_ROOT" >&2
  export DSC_LOCAL_KUBECONFIG_DIR="$KUBE_ROOT"
  # A field taken over with `kubectl edit` is taken back by the next update instead of failing as a server-side
  # apply conflict: the program is the source of truth for what it sets.
  export PULUMI_K8S_ENABLE_PATCH_FORCE="${PULUMI_K8S_ENABLE_PATCH_FORCE:-true}"
  # The Kubernetes provider copies every kubeconfig it is given (the admin key) into a new file in TMPDIR and never
  # removes it, and a cancelled program leaves its pipes there: keep them in our own git-ignored folder, removed
  # when this run ends.
  export TMPDIR="$STATE/tmp"
  mkdir -p -m 0700 "$TMPDIR"
else
  unset DSC_LOCAL_KUBECONFIG_DIR
fi

status=0
node_ts governance/cli/local.ts || status=$?

if [ "$MODE" = kube ] && [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ]; then
  # The run failed: what the clusters hold, for the diagnosis.
  for kubeconfig in "$KUBE_ROOT"/*/kubeconfig; do
    region="$(basename "$(dirname "$kubeconfig")")"
    printf '[local-up] %s: kubectl --kubeconfig %s get pods -A\n' "$region" "${kubeconfig#"$ROOT/"}" >&2
    "$DSC_TOOLCHAIN_BIN/kubectl" --kubeconfig "$kubeconfig" get pods -A -o wide >&2
  done
elif [ "$MODE" = render ]; then
  printf '[local-up] rendered manifests:\n' >&2
  find "$ROOT/.state/rendered" -name '*.yaml' 2>/dev/null | sed "s|$ROOT/||" | sort | awk -F/ '{ n[$3]++ } END { for (r in n) printf "  %s: %d files\n", r, n[r] }' >&2
fi
exit "$status"
