#!/usr/bin/env bash
# Builds the Pulumi engine this project runs on, from Go modules, into .toolchain/bin.
#
# The Pulumi CLI and its plugins normally come from download sites this machine cannot reach; the Go module
# proxy can be reached and Pulumi is written in Go. `go install pkg@version` refuses modules whose go.mod has
# replace directives (pkg/v3 has some), so each tool is built from a small wrapper module under
# scripts/toolchain/<name>/ whose go.mod/go.sum pin the versions.
#
# Binaries are built once per version set into a cache OUTSIDE the checkout
# (${XDG_CACHE_HOME:-~/.cache}/dsc-toolchain/<key>/bin) and linked into .toolchain/bin, so a fresh clone on the
# same machine (CI) finds them at once; Go's own module and build caches make a rebuild after a version bump cheap.
#
# Usage: scripts/toolchain.sh [--help]       (also `npm run toolchain`; idempotent)
set -euo pipefail

readonly PULUMI_VERSION="v3.274.1"
# The Kubernetes provider's module (provider/v4) has no tags of its own; the module proxy serves it only at this
# pseudo-version (commit f47bc2d6f199 of 2026-01-15). v4.34.2, the npm SDK's version, is refused with 403.
readonly KUBERNETES_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
readonly KUBERNETES_VERSION_STAMP="4.0.0-20260115033456-f47bc2d6f199"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly WRAPPERS="$ROOT/scripts/toolchain"
readonly BIN="$ROOT/.toolchain/bin"

usage() {
  cat <<EOF
Usage: scripts/toolchain.sh

Builds into .toolchain/bin (git-ignored), from the Go module proxy:
  pulumi                         CLI ${PULUMI_VERSION} (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  pulumi-resource-kubernetes     Kubernetes provider, module version ${KUBERNETES_MODULE_VERSION}
  pulumi-resource-pulumi-nodejs  launcher for dynamic providers (shell script shipped in sdk/v3)
A 'pulumi' already on PATH with version >= ${PULUMI_VERSION} is used instead of building one.

Environment:
  DSC_TOOLCHAIN_CACHE  cache folder outside the checkout (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/dsc-toolchain)
  GOFLAGS, GOPROXY     passed to go as usual (the module proxy must be reachable on a cold build)

Cold build on 2 cores: see scripts/README.md. Warm: about a second.
EOF
}

log() { printf '[toolchain] %s\n' "$*" >&2; }

# Cache key: everything that changes the binaries (wrapper go.mod/go.sum, stamps, Go version).
cache_key() {
  {
    cat "$WRAPPERS"/cli/go.mod "$WRAPPERS"/cli/go.sum "$WRAPPERS"/kubernetes/go.mod "$WRAPPERS"/kubernetes/go.sum
    echo "$PULUMI_VERSION $KUBERNETES_VERSION_STAMP $(go env GOVERSION GOOS GOARCH)"
  } | sha256sum | cut -c1-16
}

# version_at_least A B: true when semver A >= B (leading v optional).
version_at_least() {
  [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${2#v}" ]
}

# A pulumi on PATH (ignoring our own .toolchain/bin) that is new enough, or nothing.
usable_pulumi_on_path() {
  local dir candidate version
  local IFS=:
  for dir in $PATH; do
    [ "$dir" = "$BIN" ] && continue
    candidate="$dir/pulumi"
    [ -x "$candidate" ] || continue
    version="$("$candidate" version 2>/dev/null || true)"
    if [ -n "$version" ] && version_at_least "$version" "$PULUMI_VERSION"; then
      echo "$candidate"
      return 0
    fi
  done
  return 0
}

# go_build NAME WRAPPER PACKAGE LDFLAGS: build one binary into the cache unless it is already there.
go_build() {
  local name="$1" wrapper="$2" package="$3" ldflags="$4" out="$CACHE_BIN/$1" started
  if [ -x "$out" ]; then
    log "$name: cached ($out)"
    return 0
  fi
  log "$name: building $package (cold: many minutes on 2 cores; Go caches make later builds fast)"
  started=$(date +%s)
  (cd "$WRAPPERS/$wrapper" && GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--mod=readonly}" \
    go build -trimpath -ldflags "-s -w $ldflags" -o "$out.partial" "$package")
  mv -f "$out.partial" "$out"
  log "$name: built in $(($(date +%s) - started)) s"
}

# The dynamic-provider launcher that Pulumi's distribution ships; it comes with the sdk/v3 module.
install_dynamic_provider_launcher() {
  local sdk_dir
  sdk_dir="$(cd "$WRAPPERS/cli" && GOTOOLCHAIN=local go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$CACHE_BIN/pulumi-resource-pulumi-nodejs"
}

# Hard link when the cache is on the same file system (no copy of ~200 MB), copy otherwise.
link_into_project() {
  local name
  mkdir -p "$BIN"
  for name in "$@"; do
    ln -f "$CACHE_BIN/$name" "$BIN/$name" 2>/dev/null || cp -f "$CACHE_BIN/$name" "$BIN/$name"
  done
}

main() {
  if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    usage
    return 0
  fi
  command -v go >/dev/null || { log "go not found: install Go >= 1.26 (/usr/local/go/bin)"; return 1; }

  local cache_root key existing
  cache_root="${DSC_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dsc-toolchain}"
  key="$(cache_key)"
  CACHE_BIN="$cache_root/$key/bin"
  mkdir -p "$CACHE_BIN"
  log "cache: $CACHE_BIN"

  existing="$(usable_pulumi_on_path)"
  if [ -n "$existing" ]; then
    log "pulumi: using $existing ($("$existing" version))"
    ln -sf "$existing" "$BIN/pulumi" 2>/dev/null || { mkdir -p "$BIN" && ln -sf "$existing" "$BIN/pulumi"; }
  else
    go_build pulumi cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
    link_into_project pulumi
  fi
  go_build pulumi-resource-kubernetes kubernetes \
    github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_VERSION_STAMP"
  install_dynamic_provider_launcher
  link_into_project pulumi-resource-kubernetes pulumi-resource-pulumi-nodejs

  log "ready: $("$BIN/pulumi" version) in $BIN"
}

main "$@"
