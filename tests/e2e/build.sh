#!/usr/bin/env bash
# Builds, or restores from the cache, what the e2e suites need (tests/e2e/run.sh runs it first;
# tests/run.sh starts it in the background before the unit tests, so that on a cold machine the
# builds use the CPU the unit tests leave idle):
#   - before the first suite: the hosts' rootfs, the toolchain, the Kubernetes/etcd binaries and
#     the lab images every suite imports (pause, testapp, coredns), side by side;
#   - behind the suites, at the lowest CPU priority (started once the binaries are built, as it
#     shares their Go build cache): the metrics-server image, then the conformance suite's
#     e2e.test, ginkgo and images. Only the stacked suite (jest runs it last) needs them: it
#     waits for the exit-status files below, whose names tests/e2e/run.sh exports as
#     HA_K8S_METRICS_SERVER_BUILD and HA_K8S_CONFORMANCE_BUILD.
# On a warm machine everything is cached and this takes seconds.
#
#   bash tests/e2e/build.sh                      build
#   bash tests/e2e/build.sh --no-conformance     the lab only (the main job, tests/lab/demo.sh): the
#                                                same builds side by side, metrics-server among
#                                                them, and nothing in the background
#   bash tests/e2e/build.sh --stop-background    stop the background builds if they still run
set -euo pipefail
cd "$(dirname "$0")/../.."
logs="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs"; mkdir -p "$logs"
# the background builds: exit-status files, the process group to stop, the log
BG_PID="$logs/background-build.pid"
MS_RC="$logs/metrics-server-build.rc"
CONF_RC="$logs/conformance-build.rc"

stop_background() {
    local p
    [ ! -s "$CONF_RC" ] || return 0          # it has ended
    p="$(cat "$BG_PID" 2>/dev/null)" || return 0
    kill -- "-$p" 2>/dev/null || true
}
CONFORMANCE=1 IMAGES=(pause testapp coredns)
case "${1:-}" in
    --stop-background) stop_background; exit 0 ;;
    --no-conformance) CONFORMANCE=0 IMAGES+=(metrics-server) ;;
    "") ;;
    *) echo "usage: $0 [--no-conformance|--stop-background]" >&2; exit 2 ;;
esac

start=$(date +%s)
nice -n 10 bash tests/lab/lab.sh prepare > "$logs/lab-prepare.log" 2>&1 & prep=$!
bash tests/lab/toolchain.sh > "$logs/toolchain.log" 2>&1 & tc=$!
nice -n 10 bash tests/lab/images.sh "${IMAGES[@]}" > "$logs/lab-images.log" 2>&1 & img=$!
# a failed build stops the others too
trap 'kill "$prep" "$tc" "$img" 2>/dev/null || true' EXIT
bash tests/lab/binaries.sh

# background_builds: metrics-server, then the conformance build, in their own process group
# (setsid), so that stopping it stops their go commands too
background_builds() {
    rm -f "$MS_RC" "$CONF_RC" "$BG_PID"
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
    setsid bash -c '
        rc=0; nice -n 19 bash tests/lab/images.sh metrics-server || rc=$?; echo "$rc" > "$1"
        rc=0; { bash tests/conformance/build.sh && nice -n 19 bash tests/conformance/images.sh; } || rc=$?; echo "$rc" > "$2"
    ' _ "$MS_RC" "$CONF_RC" > "$logs/background-build.log" 2>&1 & echo "$!" > "$BG_PID"
}
[ "$CONFORMANCE" = 0 ] || background_builds

# failed: NAME LOG — print the end of a build's log and fail
failed() {
    tail -n 30 "$2" >&2; echo "[e2e-build] $1 failed (log: $2)" >&2
    [ "$CONFORMANCE" = 0 ] || stop_background
    exit 1
}
wait "$tc" || failed "the toolchain build" "$logs/toolchain.log"
cat "$logs/toolchain.log"
wait "$img" || failed "the lab images" "$logs/lab-images.log"
cat "$logs/lab-images.log"
wait "$prep" || failed "the lab rootfs" "$logs/lab-prepare.log"
cat "$logs/lab-prepare.log"
trap - EXIT
echo "[e2e-build] toolchain, binaries, images (${IMAGES[*]}) and rootfs ready in $(( $(date +%s) - start ))s"
[ "$CONFORMANCE" = 0 ] || echo "[e2e-build] metrics-server and the conformance build go on in the background (log: $logs/background-build.log)"
