#!/usr/bin/env bash
# End-to-end suite (npm run test:e2e): builds or restores the toolchain, the Kubernetes/etcd
# binaries, the lab images and the hosts' rootfs (tests/e2e/build.sh, which also starts the
# metrics-server image and the conformance suite's e2e.test and images behind the suites), then
# runs every topology against lab hosts (tests/e2e/*.e2e.ts, one stack each; each suite boots
# fresh hosts and removes them).
#   bash tests/e2e/run.sh [jest args, e.g. tests/e2e/stacked.e2e.ts]
# tests/run.sh runs tests/e2e/build.sh itself, early, and then sets HA_K8S_E2E_BUILT=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
start=$(date +%s)
logs="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs"; mkdir -p "$logs"
# what the stacked suite waits for (tests/e2e/build.sh writes them)
export HA_K8S_METRICS_SERVER_BUILD="$logs/metrics-server-build.rc" HA_K8S_CONFORMANCE_BUILD="$logs/conformance-build.rc"
stop_bg() { bash tests/e2e/build.sh --stop-background; }
trap stop_bg EXIT
[ "${HA_K8S_E2E_BUILT:-0}" = 1 ] || bash tests/e2e/build.sh
# shellcheck source-path=SCRIPTDIR source=../lab/env.sh
. tests/lab/env.sh
# jq: the nginx-flannel suite assembles the break-glass kubeconfig from the state as README says
# (examples/break-glass-kubeconfig.sh)
LOG_PREFIX=e2e
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. tests/lab/common.sh
lab_apt_install jq
# Hosts go away at the end, even after a crash (HA_K8S_E2E_KEEP=1 keeps them for debugging),
# and background builds still running stop.
if [ "${HA_K8S_E2E_KEEP:-0}" != 1 ]; then trap 'stop_bg; bash tests/lab/lab.sh down >/dev/null 2>&1 || true' EXIT; fi
echo "[e2e] toolchain, binaries, images and rootfs ready in $(( $(date +%s) - start ))s"
# pulumi's own output goes to $logs/e2e/<stack>.log; what failed is printed again at the very end
rc=0
npx jest -c tests/e2e/jest.config.js --ci --runInBand --json --outputFile="$logs/e2e-results.json" "$@" || rc=$?
if [ "$rc" != 0 ]; then
    node tests/e2e/report-failures.js "$logs/e2e-results.json" "$logs/e2e" || true
    echo "[e2e] FAILED after $(( $(date +%s) - start ))s"
    exit "$rc"
fi
echo "[e2e] done in $(( $(date +%s) - start ))s"
