#!/usr/bin/env bash
# The project's test command (README "Tests"): installs npm packages, type-checks, runs the unit
# tests, then the end-to-end suite against lab hosts (skipped only with HA_K8S_SKIP_E2E=1, and then
# it says so). Runs as root on a fresh Debian bookworm machine; installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR source=node.sh
. tests/node.sh
start=$(date +%s)
echo "[tests] npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "[tests] type-check (npm run build)"
npm run -s build
echo "[tests] unit tests (npm test)"
npm test --silent
echo "[tests] the package as users install it (tests/package/check.sh)"
bash tests/package/check.sh
if [ "${HA_K8S_SKIP_E2E:-0}" = 1 ]; then
    echo "[tests] end-to-end suite NOT run (HA_K8S_SKIP_E2E=1)"
else
    echo "[tests] end-to-end suite (npm run test:e2e)"
    npm run -s test:e2e
fi
echo "[tests] all done in $(( $(date +%s) - start ))s"
