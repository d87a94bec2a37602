#!/usr/bin/env bash
# The whole suite: type-check, lint, build (or reuse) the Pulumi engine, then every jest test (mocked stacks,
# contracts, engine, replication). The engine tests in test/engine need .toolchain/bin: built here, cached
# outside the checkout, so only the first run on a machine pays the cold Go build (scripts/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx eslint .
bash scripts/toolchain.sh
npx jest --ci "$@"
