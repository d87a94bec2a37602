#!/usr/bin/env bash
# Builds the Pulumi engine this project runs on, and the local clusters' control plane (scripts/kube/), from Go
# modules, into .toolchain/bin.
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
# The Node.js language host's own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is refused by the proxy (403);
# it is still a package of sdk/v3 up to v3.68.0, the newest served version that has it (scripts/README.md).
readonly LANGUAGE_HOST_SDK_VERSION="v3.68.0"
# The local clusters (scripts/kube/): Kubernetes without kubelets, kwok playing them. The kube wrapper pins the 31
# staging modules of k8s.io/kubernetes to KUBE_STAGING_VERSION; KUBE_BUILD_DATE is the release's time on the
# module proxy (stamped instead of the build's own, so the binaries do not depend on when they were built).
readonly KUBE_VERSION="v1.35.4"
readonly KUBE_BUILD_DATE="2026-04-15T18:01:22Z"
readonly ETCD_VERSION="v3.6.16"
readonly KWOK_VERSION="v0.8.0"
readonly ACTIONLINT_VERSION="v1.7.12"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly WRAPPERS="$ROOT/scripts/toolchain"
readonly BIN="$ROOT/.toolchain/bin"
# The Node.js language host: the launcher of scripts/language-host (programs and policy packs), beside the Go host
# it relays to. Its own folder so a distribution's host (see main) can replace both without touching $BIN.
readonly LANGUAGE_HOST_BIN="$ROOT/.toolchain/language-host"

usage() {
  cat <<EOF
Usage: scripts/toolchain.sh

Builds into .toolchain/bin (git-ignored), from the Go module proxy:
  pulumi                         CLI ${PULUMI_VERSION} (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  pulumi-resource-kubernetes     Kubernetes provider, module version ${KUBERNETES_MODULE_VERSION}
  pulumi-resource-pulumi-nodejs  launcher for dynamic providers (shell script shipped in sdk/v3)
  pulumi-language-nodejs         Node.js language host, into .toolchain/language-host: the launcher of
                                 scripts/language-host (policy packs itself, everything else relayed to
                                 pulumi-language-nodejs-go, the Go host from sdk/v3 ${LANGUAGE_HOST_SDK_VERSION})
  kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
                                 k8s.io/kubernetes ${KUBE_VERSION} (staging modules v0.${KUBE_VERSION#v1.})
  etcd                           go.etcd.io/etcd/server/v3 ${ETCD_VERSION} (etcdmain)
  kwok                           sigs.k8s.io/kwok ${KWOK_VERSION}, with its stages in .toolchain/kwok/stages.yaml
  actionlint                     github.com/rhysd/actionlint ${ACTIONLINT_VERSION} (lints .github/workflows)
A 'pulumi' already on PATH with version >= ${PULUMI_VERSION} is used instead of building one.

Environment:
  DSC_TOOLCHAIN_CACHE  cache folder outside the checkout (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/dsc-toolchain)
  GOFLAGS, GOPROXY     passed to go as usual (the module proxy must be reachable on a cold build)

Cold build on 2 cores: see scripts/README.md. Warm: about a second.
EOF
}

log() { printf '[toolchain] %s\n' "$*" >&2; }

# tool_cache WRAPPER STAMP: the cache folder of one tool, keyed by everything that changes its binary
# (its wrapper module's files, the version stamp, the Go version).
tool_cache() {
  local key
  key="$({
    cat "$WRAPPERS/$1"/*
    echo "$2 $(go env GOVERSION GOOS GOARCH)"
  } | sha256sum | cut -c1-16)"
  echo "$CACHE_ROOT/$1-$key"
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

# go_build OUT DIR PACKAGE LDFLAGS [GO_BUILD_FLAGS...]: build one binary from module folder DIR to OUT unless it
# is there.
go_build() {
  local out="$1" dir="$2" package="$3" ldflags="$4" name started
  shift 4
  name="$(basename "$out")"
  if [ -x "$out" ]; then
    log "$name: cached ($out)"
    return 0
  fi
  log "$name: building $package (cold: many minutes on 2 cores; Go caches make later builds fast)"
  started=$(date +%s)
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build "$@" -ldflags "-s -w $ldflags" -o "$out.partial" "$package")
  mv -f "$out.partial" "$out"
  log "$name: built in $(($(date +%s) - started)) s"
}

# module_dir WRAPPER MODULE: where the module cache holds MODULE at the version WRAPPER's go.mod pins.
module_dir() {
  (cd "$WRAPPERS/$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
}

# The provider's main package embeds two generated JSON files (scripts/toolchain/kubernetes/main.go says why):
# build from a copy of the wrapper in the cache, next to those files, so the checkout stays untouched.
prepare_kubernetes_build() {
  local src="$1" upstream
  upstream="$(module_dir kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
  mkdir -p "$src"
  cp -f "$WRAPPERS"/kubernetes/go.mod "$WRAPPERS"/kubernetes/go.sum "$WRAPPERS"/kubernetes/main.go "$src/"
  node -e '
    const fs = require("fs");
    const [upstream, out, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(upstream + "/schema.json", "utf8"));
    schema.version = version;
    fs.writeFileSync(out + "/schema-embed.json", JSON.stringify(schema));
    const mapping = JSON.parse(fs.readFileSync(upstream + "/terraform-mapping.json", "utf8"));
    fs.writeFileSync(out + "/terraform-mapping-embed.json", JSON.stringify(mapping));
  ' "$upstream" "$src" "$KUBERNETES_VERSION_STAMP"
}

# The dynamic-provider launcher that Pulumi's distribution ships; it comes with the sdk/v3 module.
install_dynamic_provider_launcher() {
  local sdk_dir
  sdk_dir="$(module_dir cli github.com/pulumi/pulumi/sdk/v3)"
  mkdir -p "$BIN"
  install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
}

# link_into_project FILE [DIR [NAME]]: hard link into DIR (default $BIN) as NAME (default FILE's name) when the
# cache is on the same file system (no copy of ~100 MB), else copy.
link_into_project() {
  local dir="${2:-$BIN}"
  local target="$dir/${3:-$(basename "$1")}"
  mkdir -p "$dir"
  ln -f "$1" "$target" 2>/dev/null || cp -f "$1" "$target"
}

# The combined host: the Go binary under its -go name, and our launcher (scripts/language-host/host.ts) as the
# pulumi-language-nodejs the CLI starts. rm first: the launcher's name may still be a hard link into the cache.
install_language_host() {
  link_into_project "$1" "$LANGUAGE_HOST_BIN" pulumi-language-nodejs-go
  rm -f "$LANGUAGE_HOST_BIN/pulumi-language-nodejs"
  install -m 0755 "$ROOT/scripts/language-host/pulumi-language-nodejs" "$LANGUAGE_HOST_BIN/pulumi-language-nodejs"
}

# kube_version_ldflags: the version stamps upstream's build (hack/lib/version.sh) sets; without them the servers
# report v0.0.0-master and kubectl warns about the version skew. No git commit: the module zip carries none.
kube_version_ldflags() {
  local package minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
      "$package" "$KUBE_VERSION" "$package" "$package" "$minor" "$package" "$package" "$KUBE_BUILD_DATE"
  done
}

# The control plane of the local clusters, etcd, kwok and kubectl, built like upstream's release: static
# (CGO_ENABLED=0), -trimpath, and the tags of its Makefile.
install_kube() {
  local kube etcd kwok command
  kube="$(tool_cache kube "$KUBE_VERSION")"
  for command in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    CGO_ENABLED=0 go_build "$kube/$command" "$WRAPPERS/kube" "k8s.io/kubernetes/cmd/$command" \
      "$(kube_version_ldflags)" -trimpath -tags selinux,notest,grpcnotrace
    link_into_project "$kube/$command"
  done
  etcd="$(tool_cache etcd "$ETCD_VERSION")"
  CGO_ENABLED=0 go_build "$etcd/etcd" "$WRAPPERS/etcd" . "" -trimpath
  link_into_project "$etcd/etcd"
  kwok="$(tool_cache kwok "$KWOK_VERSION")"
  CGO_ENABLED=0 go_build "$kwok/kwok" "$WRAPPERS/kwok" sigs.k8s.io/kwok/cmd/kwok \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" -trimpath
  link_into_project "$kwok/kwok"
  [ -f "$kwok/stages.yaml" ] || write_kwok_stages "$kwok/stages.yaml"
  link_into_project "$kwok/stages.yaml" "$ROOT/.toolchain/kwok"
}

# write_kwok_stages OUT: kwok does nothing without stages ("no stages found"). These are upstream's own, from the
# module at the pinned version: nodes become Ready and keep a lease, scheduled pods go Running/Ready at once,
# finished pods complete, deleted pods go away.
write_kwok_stages() {
  local upstream stage
  upstream="$(module_dir kwok sigs.k8s.io/kwok)/kustomize/stage"
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    printf -- '---\n'
    cat "$upstream/$stage.yaml"
  done >"$1.partial"
  mv -f "$1.partial" "$1"
}

install_actionlint() {
  local lint
  lint="$(tool_cache actionlint "$ACTIONLINT_VERSION")"
  go_build "$lint/actionlint" "$WRAPPERS/actionlint" github.com/rhysd/actionlint/cmd/actionlint \
    "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" -trimpath
  link_into_project "$lint/actionlint"
}

main() {
  if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    usage
    return 0
  fi
  # The machine's Go lives in /usr/local/go; a non-login shell (CI) may not have it on PATH.
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || { log "go not found: install Go >= 1.26 (/usr/local/go/bin)"; return 1; }
  command -v node >/dev/null || { log "node not found: install Node.js 20"; return 1; }
  # The machine's own Go; modules come from the proxy and go.sum, never changed by a build.
  export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--mod=readonly}"

  CACHE_ROOT="${DSC_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dsc-toolchain}"
  mkdir -p "$CACHE_ROOT"
  # One build at a time per machine: several checkouts (CI, other shells) share this cache.
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  log "cache: $CACHE_ROOT"

  local existing cli k8s host
  existing="$(usable_pulumi_on_path)"
  if [ -n "$existing" ]; then
    log "pulumi: using $existing ($("$existing" version))"
    mkdir -p "$BIN"
    ln -sf "$existing" "$BIN/pulumi"
  else
    cli="$(tool_cache cli "$PULUMI_VERSION")"
    go_build "$cli/pulumi" "$WRAPPERS/cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
    link_into_project "$cli/pulumi"
  fi

  k8s="$(tool_cache kubernetes "$KUBERNETES_VERSION_STAMP")"
  if [ ! -x "$k8s/pulumi-resource-kubernetes" ]; then
    prepare_kubernetes_build "$k8s/src"
  fi
  go_build "$k8s/pulumi-resource-kubernetes" "$k8s/src" . \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_VERSION_STAMP"
  link_into_project "$k8s/pulumi-resource-kubernetes"
  install_dynamic_provider_launcher

  if [ -n "$existing" ] && [ -x "$(dirname "$existing")/pulumi-language-nodejs" ]; then
    # A Pulumi distribution ships the host of its own release: better than the old one built here.
    mkdir -p "$LANGUAGE_HOST_BIN"
    rm -f "$LANGUAGE_HOST_BIN/pulumi-language-nodejs-go"
    ln -sf "$(dirname "$existing")/pulumi-language-nodejs" "$LANGUAGE_HOST_BIN/pulumi-language-nodejs"
  else
    host="$(tool_cache language-nodejs "$LANGUAGE_HOST_SDK_VERSION")"
    go_build "$host/pulumi-language-nodejs" "$WRAPPERS/language-nodejs" \
      github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGUAGE_HOST_SDK_VERSION"
    install_language_host "$host/pulumi-language-nodejs"
  fi

  install_actionlint
  install_kube

  log "ready in $BIN: $(cd "$BIN" && printf '%s ' *)($("$BIN/pulumi" version)); language host in $LANGUAGE_HOST_BIN"
}

main "$@"
