#!/usr/bin/env bash
# Checks the conformance images end to end on this machine, without lab hosts:
#   bash tests/conformance/verify.sh
# 1. Debian's docker-registry (unpacked, not installed) serves TLS on 127.0.0.1 with a CA made
#    here; tests/conformance/push.sh pushes every archive of tests/conformance/images.sh into it.
# 2. With tests/conformance/repo-list.sh as KUBE_TEST_REPO_LIST, `e2e.test --list-images`
#    (tests/conformance/build.sh) must name each pushed image, and each must be in the registry.
# 3. A throwaway containerd (Debian's containerd and runc unpacked; temporary root, state and
#    socket; no CRI plugin) pulls every image from the registry and runs each: agnhost netexec
#    answered by its own curl, nautilus' page, busybox httpd + wget, nginx's welcome page, etcd
#    put/get, the setuid nnp, nonroot's uid, dig, sample-apiserver --help, pause stopping on
#    SIGTERM. Containers get a network namespace of their own with loopback only.
# Everything started here is stopped and removed on exit.
# The helpers below run through check/retry/trap, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX="conformance-verify"
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/throwaway-containerd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/throwaway-containerd.sh"
IMAGES="$(bash "$HERE/images.sh" --print-dir)"
BUILD="$(bash "$HERE/build.sh" --print-dir)"
DEBS="$CACHE/artifacts/conformance-work/verify-debs"
FAILS=0
check() { # description command...: on failure, shows the end of the last output captured
    local d="$1"; shift
    rm -f "${T:-/nonexistent}/out"
    if "$@"; then log "ok   $d"; else
        log "FAIL $d"; FAILS=$((FAILS + 1))
        [ ! -s "${T:-/nonexistent}/out" ] || tail -n 5 "$T/out" | sed 's/^/      /'
    fi
}

unpack_debs "$DEBS" containerd runc docker-registry   # ctr, containerd-shim-runc-v2, runc, registry

T="$(mktemp -d /tmp/hak-conformance-verify.XXXXXX)"
CG="hak-conformance-verify-$$"
REG_PID=""; RUNNING=()
cleanup() {
    set +e
    containerd_stop "${RUNNING[@]}"
    [ -z "$REG_PID" ] || kill -TERM "$REG_PID" 2>/dev/null
    awk -v t="$T" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf "$T"
    rmdir /sys/fs/cgroup/*/"$CG"/* /sys/fs/cgroup/*/"$CG" 2>/dev/null
    return 0
}
trap cleanup EXIT

# ---------------------------------------------------------------- registry
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
REG="127.0.0.1:$PORT"
(
    cd "$T"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=ha-kubernetes conformance verify CA" -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf -out server.crt
) >/dev/null 2>&1
cat > "$T/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: $REG
  tls:
    certificate: $T/server.crt
    key: $T/server.key
EOF
docker-registry serve "$T/registry.yml" > "$T/registry.log" 2>&1 < /dev/null &
REG_PID=$!
for _ in $(seq 50); do curl -sf --cacert "$T/ca.crt" "https://$REG/v2/" >/dev/null && break; sleep 0.2; done
log "docker-registry $(dpkg-deb -f "$DEBS"/docker-registry_*.deb Version) on $REG"
t=$(date +%s)
check "push.sh pushes every archive" bash "$HERE/push.sh" "$IMAGES" "$REG" "$T/ca.crt"
log "push took $(( $(date +%s) - t ))s; registry holds $(du -sm "$T/registry" | cut -f1) MiB"
t=$(date +%s)
check "push.sh again: every blob known, manifests the same" bash "$HERE/push.sh" "$IMAGES" "$REG" "$T/ca.crt"
log "second push took $(( $(date +%s) - t ))s"

# ---------------------------------------------------------------- names e2e.test asks for
bash "$HERE/repo-list.sh" "$REG" > "$T/repo-list.yaml"
KUBE_TEST_REPO_LIST="$T/repo-list.yaml" "$BUILD/e2e.test" --list-images > "$T/list-images" 2>/dev/null
while read -r _ ref _ _; do
    check "e2e.test --list-images names $REG/$ref" grep -qx "$REG/$ref" "$T/list-images"
    code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.crt" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$REG/v2/${ref%:*}/manifests/${ref##*:}")"
    check "registry serves the manifest of $ref" test "$code" = 200
done < "$IMAGES/images.txt"

# ---------------------------------------------------------------- pull and run with containerd
mkdir -p "$T/certs.d/$REG"
printf 'server = "https://%s"\n[host."https://%s"]\n  capabilities = ["pull", "resolve"]\n  ca = "%s"\n' "$REG" "$REG" "$T/ca.crt" > "$T/certs.d/$REG/hosts.toml"
containerd_start
while read -r _ ref _ _; do
    check "pull $REG/$ref" C images pull --hosts-dir "$T/certs.d" "$REG/$ref" >/dev/null
done < "$IMAGES/images.txt"
img() { awk -v id="$1" -v reg="$REG" '$3 == id {print reg "/" $2}' "$IMAGES/images.txt"; }
n=0
run() { # run IMAGE ARGS...: runs to completion, prints its output
    local image="$1"; shift; n=$((n + 1))
    C run --rm --cgroup "/$CG/r$n" "$image" "hakc-r$n" "$@" 2>&1
}
start() { # start NAME IMAGE [ARGS...]: in the background, output in $T/NAME.log
    local name="$1" image="$2"; shift 2
    RUNNING+=("$name")
    C run -d --log-uri "file://$T/$name.log" --cgroup "/$CG/$name" "$image" "$name" "$@" >/dev/null
}
inside() { local name="$1"; shift; n=$((n + 1)); C task exec --exec-id "e$n-$RANDOM" "$name" "$@" 2>&1; }
alive() { # alive NAME: still running 2s after its start, else its output is shown
    sleep 2
    C task ls | grep -q "^$1 .*RUNNING" && return 0
    cp "$T/$1.log" "$T/out" 2>/dev/null; return 1
}
retry() { for _ in $(seq 40); do "$@" && return 0; sleep 0.25; done; return 1; }
contains() { local want="$1"; shift; "$@" > "$T/out" 2>&1; grep -q -- "$want" "$T/out"; }

check "agnhost: /agnhost --help lists netexec" contains netexec run "$(img Agnhost)" /agnhost --help
check "agnhost prev: runs" contains netexec run "$(img AgnhostPrev)" /agnhost --help
# shellcheck disable=SC2016 # expanded by the image's bash
check "agnhost: curl, wget, dig, nslookup, nc, ip, ping, iperf, ps, bash" \
    run "$(img Agnhost)" /bin/bash -c 'for t in curl wget dig nslookup host nc ip ping iperf ps; do command -v $t >/dev/null || { echo no $t; exit 1; }; done'
check "agnhost: user-defined-in-image in group-defined-in-image" contains group-defined-in-image run "$(img Agnhost)" id user-defined-in-image
start hakc-netexec "$(img Agnhost)" /agnhost netexec --http-port=8080
check "agnhost netexec keeps running" alive hakc-netexec
check "agnhost netexec answers its own curl" retry contains hello-curl inside hakc-netexec curl -sS "http://127.0.0.1:8080/echo?msg=hello-curl"
check "agnhost nc reaches netexec" retry contains hello-nc inside hakc-netexec sh -c 'printf "GET /echo?msg=hello-nc HTTP/1.0\r\n\r\n" | nc -w 2 127.0.0.1 8080'
start hakc-nautilus "$(img Nautilus)"
check "nautilus keeps running" alive hakc-nautilus
check "nautilus serves data.json (test-webserver)" retry contains nautilus.jpg inside hakc-nautilus curl -s http://127.0.0.1:80/data.json
check "busybox: httpd + wget" contains root:x:0:0 run "$(img BusyBox)" sh -c 'httpd -p 127.0.0.1:8081 -h /etc && sleep 0.5 && wget -qO- http://127.0.0.1:8081/passwd'
check "busybox: sysctl, nslookup, id" run "$(img BusyBox)" sh -c 'sysctl kernel.hostname >/dev/null && type nslookup >/dev/null && id -u'
start hakc-nginx "$(img Nginx)"
check "nginx keeps running" alive hakc-nginx
# shellcheck disable=SC2016 # expanded by the image's bash
check "nginx serves its welcome page on :80" retry contains 'Welcome to nginx' inside hakc-nginx bash -c 'exec 3<>/dev/tcp/127.0.0.1/80; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3'
check "nginx logs the request to its output" retry grep -q '"GET / HTTP/1.0" 200' "$T/hakc-nginx.log"
# as the sample-apiserver spec runs it; peer URLs by address: there is no /etc/hosts outside a pod
start hakc-etcd "$(img Etcd)" /usr/local/bin/etcd --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster default=http://127.0.0.1:2380
check "etcd keeps running" alive hakc-etcd
check "etcd: put" retry contains OK inside hakc-etcd /usr/local/bin/etcdctl put k v
check "etcd: get" contains '^v' inside hakc-etcd /usr/local/bin/etcdctl get k --print-value-only
check "etcd: /bin/sh" contains ok run "$(img Etcd)" /bin/sh -c 'echo ok'
check "nonewprivs: nnp is setuid root" contains '^4755 0$' run "$(img Nonewprivs)" stat -c '%a %u' /usr/local/bin/nnp
check "nonewprivs: nnp (the image's command) runs" contains 'Effective uid: 0' run "$(img Nonewprivs)"
check "nonroot: runs as uid 1234" contains '^1234' run "$(img NonRoot)" id -u
check "jessie-dnsutils: dig" contains DiG run "$(img JessieDnsutils)" dig -v
check "sample-apiserver --help" contains etcd-servers run "$(img APIServer)" /sample-apiserver --help
start hakc-pause "$(img Pause)"
sleep 0.5
C task kill -s SIGTERM hakc-pause
stopped() { C task ls | grep -q "^$1 .*STOPPED"; }
check "pause stops on SIGTERM" retry stopped hakc-pause
log "$FAILS failed"
exit "$FAILS"
