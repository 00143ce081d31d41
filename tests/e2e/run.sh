#!/usr/bin/env bash
# End-to-end suite (npm run test:e2e): builds or restores the toolchain, the Kubernetes/etcd
# binaries, the conformance suite's e2e.test and images, the lab images and the hosts' rootfs,
# then runs every topology against lab hosts
# (tests/e2e/*.e2e.ts, one stack each; each suite boots fresh hosts and removes them).
# On a cold machine the three builds run side by side: the rootfs is mostly downloads, the Go
# builds overlap their module downloads with each other's compiling.
#   bash tests/e2e/run.sh [jest args, e.g. tests/e2e/stacked.e2e.ts]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
start=$(date +%s)
logs="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs"; mkdir -p "$logs"
bash tests/lab/lab.sh prepare > "$logs/lab-prepare.log" 2>&1 & prep=$!
bash tests/lab/toolchain.sh & tc=$!
# a failed build stops the others too
trap 'kill "$prep" "$tc" 2>/dev/null || true' EXIT
bash tests/lab/binaries.sh
# The conformance subset's e2e.test, ginkgo and images: started after the binaries (they share its Go build
# cache), built behind everything else at the lowest CPU priority, awaited by the stacked suite
# only (which jest runs last, tests/e2e/sequencer.js). Cached: done in seconds.
export HA_K8S_CONFORMANCE_BUILD="$logs/conformance-build.rc"
rm -f "$HA_K8S_CONFORMANCE_BUILD"
# its own process group (setsid), so that stopping it stops its go commands too
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
# Its images too (only the stacked suite pushes them): on a cold machine they take minutes that
# the first suites need not wait for.
setsid bash -c 'rc=0; { bash tests/conformance/build.sh && nice -n 19 bash tests/conformance/images.sh; } > "$1" 2>&1 || rc=$?; echo "$rc" > "$2"' _ "$logs/conformance-build.log" "$HA_K8S_CONFORMANCE_BUILD" & cb=$!
stop_cb() { kill -- "-$cb" 2>/dev/null || true; }
trap 'kill "$prep" "$tc" 2>/dev/null || true; stop_cb' EXIT
wait "$tc" || { echo "[e2e] toolchain build failed" >&2; exit 1; }
wait "$prep" || { tail -n 30 "$logs/lab-prepare.log" >&2; echo "[e2e] lab rootfs failed" >&2; exit 1; }
trap stop_cb EXIT
cat "$logs/lab-prepare.log"
bash tests/lab/images.sh
# shellcheck source-path=SCRIPTDIR source=../lab/env.sh
. tests/lab/env.sh
# Hosts go away at the end, even after a crash (HA_K8S_E2E_KEEP=1 keeps them for debugging).
# (and a conformance build still running stops)
if [ "${HA_K8S_E2E_KEEP:-0}" = 1 ]; then trap stop_cb EXIT
else trap 'stop_cb; bash tests/lab/lab.sh down >/dev/null 2>&1 || true' EXIT; fi
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
