#!/usr/bin/env bash
# The whole suite: type-check, lint, then every jest test (mocked stacks, contracts, engine, replication).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx eslint .
npx jest --ci "$@"
