#!/usr/bin/env bash
# The project's test command (README "Tests"): installs npm packages, type-checks, lints, runs the
# unit tests, then the end-to-end suite against lab hosts (skipped only with HA_K8S_SKIP_E2E=1, and then
# it says so). Runs as root on a fresh Debian bookworm machine; installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR source=node.sh
. tests/node.sh
start=$(date +%s)
e2e=1; [ "${HA_K8S_SKIP_E2E:-0}" != 1 ] || e2e=0
if [ "$e2e" = 1 ]; then
    # The e2e builds (tests/e2e/build.sh) start now, in their own process group and below the
    # unit tests' priority: on a cold machine they use the CPU the steps below leave idle (and get
    # their priority back when those end); on a warm one they end in seconds.
    logs="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs"; mkdir -p "$logs"
    echo "[tests] e2e builds started in the background (log: $logs/e2e-build.log)"
    setsid nice -n 10 bash tests/e2e/build.sh > "$logs/e2e-build.log" 2>&1 & build=$!
    trap 'kill -- "-$build" 2>/dev/null || true; bash tests/e2e/build.sh --stop-background' EXIT
fi
echo "[tests] npm ci"
npm ci --no-audit --no-fund --loglevel=error
# The type-check and the linters read the same sources and write nothing the other reads: side by side.
echo "[tests] type-check (npm run build) and lint and format (npm run lint: eslint, prettier --check), side by side"
lint_log="$(mktemp)"
npm run -s lint > "$lint_log" 2>&1 & lint=$!
tsc_rc=0; npm run -s build || tsc_rc=$?
lint_rc=0; wait "$lint" || lint_rc=$?
cat "$lint_log"; rm -f "$lint_log"
[ "$tsc_rc" = 0 ] || { echo "[tests] the type-check failed" >&2; exit 1; }
[ "$lint_rc" = 0 ] || { echo "[tests] lint or format failed" >&2; exit 1; }
echo "[tests] unit tests (npm test; they shellcheck every script)"
LOG_PREFIX=tests
# shellcheck source-path=SCRIPTDIR source=lab/common.sh
. tests/lab/common.sh
lab_apt_install shellcheck
npm test --silent
echo "[tests] the package as users install it (tests/package/check.sh)"
bash tests/package/check.sh
if [ "$e2e" = 0 ]; then
    echo "[tests] end-to-end suite NOT run (HA_K8S_SKIP_E2E=1)"
else
    echo "[tests] waiting for the e2e builds ($(( $(date +%s) - start ))s so far)"
    renice -n 0 -g "$build" >/dev/null 2>&1 || true
    brc=0; wait "$build" || brc=$?
    cat "$logs/e2e-build.log"
    [ "$brc" = 0 ] || { echo "[tests] the e2e builds failed" >&2; exit 1; }
    echo "[tests] end-to-end suite (npm run test:e2e)"
    HA_K8S_E2E_BUILT=1 npm run -s test:e2e
fi
echo "[tests] all done in $(( $(date +%s) - start ))s"
