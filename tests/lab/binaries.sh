#!/usr/bin/env bash
# Builds the Kubernetes, etcd and flannel binaries the lab deploys, from Go modules, into one flat
# directory with a SHA256SUMS file (the product's `artifacts.source: local` layout):
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/bundle-k<K8S>-e<ETCD>/
#     kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
#     etcd etcdctl etcdutl flanneld flannel (the flannel CNI plugin) SHA256SUMS
#
#   bash tests/lab/binaries.sh              build what is missing ("cached" for the rest)
#   bash tests/lab/binaries.sh --print-dir  print the bundle directory (exit 1 if incomplete)
#
# Versions: tests/lab/versions.env. Each product is built in a wrapper Go module under
# ${CACHE}/artifacts/src/<product>-<version>/; build times go to ${CACHE}/artifacts/timings.log.
# The Kubernetes binaries are built by one `go build` (it links one while it compiles for the
# next), the others one after the other, with `go build`'s default parallelism; a binary already
# in the bundle is never rebuilt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.env"
LOG_PREFIX="binaries"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SRC="$CACHE/artifacts/src"
OUT="$CACHE/artifacts/bundle-k${KUBERNETES_VERSION}-e${ETCD_VERSION}"
K8S_BINS=(kubelet kube-proxy kube-apiserver kube-controller-manager kube-scheduler kubectl)
ALL=("${K8S_BINS[@]}" etcd etcdctl etcdutl flanneld flannel)

complete() {
    local b
    [ -s "$OUT/SHA256SUMS" ] || return 1
    for b in "${ALL[@]}"; do
        [ -x "$OUT/$b" ] && grep -q "  $b\$" "$OUT/SHA256SUMS" || return 1
    done
}
case "${1:-}" in
    --print-dir) complete && { echo "$OUT"; exit 0; }; echo "[binaries] bundle incomplete: $OUT (run tests/lab/binaries.sh)" >&2; exit 1 ;;
    "") ;;
    *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac

T_ALL=$(date +%s); BUILT=0

# ---------------------------------------------------------------- toolchain
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || die "Go is required (/usr/local/go/bin/go; Kubernetes $KUBERNETES_VERSION needs go >= 1.25)"
gov="$(go env GOVERSION)"; gov="${gov#go}"
[ "$(printf '%s\n' 1.25 "$gov" | sort -V | head -1)" = 1.25 ] || die "Go $gov is too old (Kubernetes $KUBERNETES_VERSION needs go >= 1.25)"
# flanneld links its cgo udp backend statically: gcc and a static libc.
lab_apt_install gcc libc6-dev
# -mod=mod: the wrapper modules hold only the top-level requirements; go resolves the rest.
# GOTOOLCHAIN=local: never fetch another Go toolchain.
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$OUT" "$SRC"

# wrapper DIR GO.MOD-BODY: (re)creates the wrapper module when its definition changed.
wrapper() {
    local dir="$1" body="$2"
    mkdir -p "$dir"
    if [ "$(cat "$dir/.definition" 2>/dev/null)" != "$body" ]; then
        rm -f "$dir/go.mod" "$dir/go.sum" "$dir/.definition"
        printf 'module hak-lab/%s\n\ngo %s\n\n%s\n' "$(basename "$dir")" "$gov" "$body" > "$dir/go.mod"
        printf '%s' "$body" > "$dir/.definition"
    fi
}

# build NAME VERSION DIR PACKAGE LDFLAGS: go build into the bundle (atomically), unless there.
build() {
    local name="$1" version="$2" dir="$3" pkg="$4" ldflags="$5" t0 dt
    if [ -x "$OUT/$name" ]; then log "$name $version cached"; return; fi
    BUILT=$((BUILT + 1)); t0=$(date +%s)
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$OUT/.$name.tmp" "$pkg") || die "build of $name $version failed"
    mv -f "$OUT/.$name.tmp" "$OUT/$name"
    dt=$(( $(date +%s) - t0 ))
    log "$name $version built in ${dt}s ($(du -m "$OUT/$name" | cut -f1) MiB)"
    echo "$(date -u +%FT%TZ) $name $version ${dt}s" >> "$CACHE/artifacts/timings.log"
}

# build_together VERSION DIR LDFLAGS NAME=PACKAGE...: those not in the bundle yet, in one go build
# (each package's last element is its binary's name).
build_together() {
    local version="$1" dir="$2" ldflags="$3" spec names=() pkgs=() t0 dt n tmp="$OUT/.together.tmp"
    shift 3
    for spec in "$@"; do
        if [ -x "$OUT/${spec%%=*}" ]; then log "${spec%%=*} $version cached"; continue; fi
        names+=("${spec%%=*}"); pkgs+=("${spec#*=}")
    done
    [ ${#names[@]} -gt 0 ] || return 0
    BUILT=$((BUILT + ${#names[@]})); t0=$(date +%s)
    rm -rf "$tmp"; mkdir -p "$tmp"
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp/" "${pkgs[@]}") || die "build of ${names[*]} $version failed"
    for n in "${names[@]}"; do mv -f "$tmp/$n" "$OUT/$n"; done
    rm -rf "$tmp"
    dt=$(( $(date +%s) - t0 ))
    log "${names[*]} $version built in ${dt}s"
    echo "$(date -u +%FT%TZ) ${names[*]} $version ${dt}s" >> "$CACHE/artifacts/timings.log"
}

# ---------------------------------------------------------------- Kubernetes
# k8s.io/kubernetes replaces every k8s.io/* staging module with ./staging/src/...; those replaces
# are ignored in a dependency, so the wrapper replaces each with its published v0.<minor>.<patch>.
K="$SRC/kubernetes-$KUBERNETES_VERSION"
kmod="$(cd "$SRC" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
[ -s "$kmod" ] || die "k8s.io/kubernetes@v$KUBERNETES_VERSION is not available from the Go module proxy"
staging="$(sed -n '/^replace (/,/^)/p' "$kmod" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')"
[ -n "$staging" ] || die "no staging replaces found in k8s.io/kubernetes@v$KUBERNETES_VERSION go.mod"
kbody="require k8s.io/kubernetes v$KUBERNETES_VERSION
$(for m in $staging; do echo "replace $m => $m v0.${KUBERNETES_VERSION#1.}"; done)"
wrapper "$K" "$kbody"
minor="${KUBERNETES_VERSION#1.}"; minor="${minor%%.*}"
V="k8s.io/component-base/version"
KLD="-X $V.gitVersion=v$KUBERNETES_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$minor -X $V.gitTreeState=clean"
KLD="$KLD -X $V.gitCommit=0000000000000000000000000000000000000000 -X $V.buildDate=1970-01-01T00:00:00Z"
KLD="$KLD -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
specs=(); for b in "${K8S_BINS[@]}"; do specs+=("$b=k8s.io/kubernetes/cmd/$b"); done
build_together "$KUBERNETES_VERSION" "$K" "$KLD" "${specs[@]}"

# ---------------------------------------------------------------- etcd
E="$SRC/etcd-$ETCD_VERSION"
wrapper "$E" "require (
	go.etcd.io/etcd/server/v3 v$ETCD_VERSION
	go.etcd.io/etcd/etcdctl/v3 v$ETCD_VERSION
	go.etcd.io/etcd/etcdutl/v3 v$ETCD_VERSION
)"
EV="-X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION"
build etcd "$ETCD_VERSION" "$E" go.etcd.io/etcd/server/v3 "$EV"       # the module root is package main
build etcdctl "$ETCD_VERSION" "$E" go.etcd.io/etcd/etcdctl/v3 "$EV"
build etcdutl "$ETCD_VERSION" "$E" go.etcd.io/etcd/etcdutl/v3 "$EV"   # snapshot restore

# ---------------------------------------------------------------- flannel
F="$SRC/flannel-$FLANNEL_VERSION"
# flanneld links every cloud backend; one of their SDK versions (tencentcloud common, pulled in by
# 0.28.x) is not served by the module proxy, so pin the nearest served one. The lab uses only
# the vxlan and host-gw backends.
wrapper "$F" "require github.com/flannel-io/flannel v$FLANNEL_VERSION
replace github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common => github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.78"
# Its udp backend is cgo: build with cgo, statically linked (no libc needed on the nodes).
CGO_ENABLED=1 build flanneld "$FLANNEL_VERSION" "$F" github.com/flannel-io/flannel \
    "-X github.com/flannel-io/flannel/pkg/version.Version=v$FLANNEL_VERSION -linkmode external -extldflags -static"

# The flannel CNI plugin (see versions.env for why it comes from containernetworking/plugins).
FC="$SRC/flannel-cni-$FLANNEL_CNI_VERSION"
wrapper "$FC" "require github.com/containernetworking/plugins v$FLANNEL_CNI_VERSION"
build flannel "$FLANNEL_CNI_VERSION" "$FC" github.com/containernetworking/plugins/plugins/meta/flannel \
    "-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v$FLANNEL_CNI_VERSION"

# ---------------------------------------------------------------- checksums and a smoke test
if [ "$BUILT" -gt 0 ] || ! complete; then
    ( cd "$OUT" && sha256sum "${ALL[@]}" > .SHA256SUMS.tmp && mv -f .SHA256SUMS.tmp SHA256SUMS )
fi
got="$("$OUT/kube-apiserver" --version)"
[ "$got" = "Kubernetes v$KUBERNETES_VERSION" ] || die "kube-apiserver --version says '$got'"
"$OUT/etcd" --version | grep "^etcd Version: $ETCD_VERSION\$" >/dev/null || die "etcd --version does not say $ETCD_VERSION"
complete || die "bundle incomplete: $OUT"
log "bundle ready: $OUT ($(du -sm "$OUT" | cut -f1) MiB) in $(( $(date +%s) - T_ALL ))s"
