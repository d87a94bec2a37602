#!/usr/bin/env bash
# The whole suite: type-check, lint, build (or reuse) the Pulumi engine, every jest test (mocked stacks,
# contracts, engine, policy, replication), then the policy pack over alpha, beta and gamma. The engine tests need
# .toolchain/: built here, cached outside the checkout, so only the first run on a machine pays the cold Go build
# (scripts/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx eslint .
bash scripts/toolchain.sh
npx jest --ci "$@"
npm run --silent policy
