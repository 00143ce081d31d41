#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap, stopped/running through check
# Checks the lab's image archives with a throwaway containerd (run by tests/lab/images.sh --verify):
#   bash tests/lab/images/verify.sh <images dir>
# Debian's containerd and runc packages are unpacked (not installed) under
# ${HA_K8S_CACHE}/artifacts/scratch/containerd-debs; containerd runs with a temporary root, state
# and socket and without its CRI plugin. Containers get a network namespace of their own with
# loopback only. Everything started here is stopped and removed on exit.
set -euo pipefail
IMAGES="${1:?usage: $0 <images dir>}"
LOG_PREFIX="images verify"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
# shellcheck source-path=SCRIPTDIR source=../throwaway-containerd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../throwaway-containerd.sh"
FAILS=0
check() { # description command...
    local d="$1"; shift
    if "$@"; then log "ok   $d"; else log "FAIL $d"; FAILS=$((FAILS + 1)); fi
}

unpack_debs "$CACHE/artifacts/scratch/containerd-debs" containerd runc   # ctr, containerd-shim-runc-v2, runc

T="$(mktemp -d /tmp/hak-images-verify.XXXXXX)"
CG="hak-images-verify-$$"
PAUSE_NS_PID=""
cleanup() {
    set +e
    containerd_stop hakv-web hakv-pause
    [ -n "$PAUSE_NS_PID" ] && kill -KILL "$PAUSE_NS_PID" 2>/dev/null
    awk -v t="$T" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf "$T"
    rmdir /sys/fs/cgroup/*/"$CG" 2>/dev/null
    return 0
}
trap cleanup EXIT

containerd_start

check "import pause.tar" C images import "$IMAGES/pause.tar"
check "import testapp.tar" C images import "$IMAGES/testapp.tar"
C images check | sed 's/^/[images] verify:      /'
check "both images complete and unpacked" test "$(C images check | grep -c 'complete.*true$')" = 2

# testapp: run it, fetch the page from inside its network namespace, stop it with SIGTERM.
check "run testapp" C run -d --cgroup "/$CG/web" ha-kubernetes.local/testapp:1.0 hakv-web
page=""
for _ in $(seq 30); do page="$(C task exec --exec-id get hakv-web wget -qO- http://127.0.0.1:8080/ 2>/dev/null)" && break; sleep 0.2; done
log "testapp page: ${page}"
check "testapp serves 'testapp <hostname>' on :8080" test "${page%% *}" = testapp
stopped() { # container seconds: STOPPED within the time?
    local _; for _ in $(seq $(( $2 * 10 ))); do C task ls | grep "^$1 .*STOPPED" >/dev/null && return 0; sleep 0.1; done; return 1
}
C task kill -s SIGTERM hakv-web
check "testapp stops within 3s of SIGTERM" stopped hakv-web 3

# pause: run it as the sandbox would, stop it with SIGTERM.
check "run pause" C run -d --cgroup "/$CG/pause" ha-kubernetes.local/pause:3.10 hakv-pause
sleep 0.3
running() { C task ls | grep "^$1 .*RUNNING" >/dev/null; }
check "pause is running" running hakv-pause
C task kill -s SIGTERM hakv-pause
check "pause stops within 3s of SIGTERM" stopped hakv-pause 3

# pause reaps orphans: as PID 1 of a new PID namespace, an orphaned child must not stay a zombie.
layer="$(tar -xOf "$IMAGES/pause.tar" index.json | sed 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/')"
layer="$(tar -xOf "$IMAGES/pause.tar" "blobs/sha256/$layer" | sed 's/.*"layers":\[{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/')"
tar -xOf "$IMAGES/pause.tar" "blobs/sha256/$layer" | tar -xzO ./bin/pause > "$T/pause"; chmod +x "$T/pause"
unshare --pid --fork "$T/pause" &
UNSHARE_PID=$!
for _ in $(seq 20); do PAUSE_NS_PID="$(pgrep -P "$UNSHARE_PID" || true)"; [ -n "$PAUSE_NS_PID" ] && break; sleep 0.1; done
nsenter -t "$PAUSE_NS_PID" -p -- /bin/sh -c 'sleep 0.3 & exit 0'
sleep 1.2
zombies="$(pgrep -c -r Z -P "$PAUSE_NS_PID" || true)"
check "pause reaped its orphaned child (zombies: $zombies)" test "$zombies" = 0
kill -TERM "$PAUSE_NS_PID"
check "pause (PID 1 of its namespace) exits 0 on SIGTERM" wait "$UNSHARE_PID"
PAUSE_NS_PID=""

log "$FAILS failed"
exit "$FAILS"
