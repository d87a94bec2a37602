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
mkdir -p .state
bash scripts/install-browser.sh
npx jest --ci --json --outputFile=.state/jest-results.json "$@"
npm run --silent policy
# The closing line CI reads as the test count (jest's own summary is not one it knows).
node -e 'const r = require("./.state/jest-results.json"); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)'
