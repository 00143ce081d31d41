#!/usr/bin/env bash
# Builds the Kubernetes, etcd and flannel binaries the lab deploys, from Go modules, into one flat
# directory with a SHA256SUMS file (the product's `artifacts.source: local` layout):
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/bundle-k<K8S>-e<ETCD>/
#   bash tests/lab/binaries.sh              build what is missing ("cached" for the rest)
#   bash tests/lab/binaries.sh --print-dir  print the bundle directory (exit 1 if incomplete)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.env"
CACHE="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}"
SRC="$CACHE/artifacts/src"
OUT="$CACHE/artifacts/bundle-k${KUBERNETES_VERSION}-e${ETCD_VERSION}"
K8S_BINS=(kubelet kube-proxy kube-apiserver kube-controller-manager kube-scheduler kubectl)
ALL=("${K8S_BINS[@]}" etcd etcdctl flanneld)

complete() { for b in "${ALL[@]}"; do [ -x "$OUT/$b" ] || return 1; done; [ -s "$OUT/SHA256SUMS" ]; }
if [ "${1:-}" = --print-dir ]; then complete && { echo "$OUT"; exit 0; }; echo "bundle incomplete: $OUT" >&2; exit 1; fi

log() { echo "[binaries] $*"; }
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
command -v go >/dev/null || { echo "[binaries] Go is required (see README)" >&2; exit 1; }
mkdir -p "$OUT" "$SRC"

# A wrapper module per product: requires the release and pins every staging module to its v0.x.
wrapper() { # dir module version
    local dir="$1"; mkdir -p "$dir"
    if [ ! -f "$dir/go.mod" ]; then (cd "$dir" && go mod init "hak-lab/$(basename "$dir")" >/dev/null 2>&1); fi
}

build() { # name dir ldflags package
    local name="$1" dir="$2" ldflags="$3" pkg="$4" t0
    if [ -x "$OUT/$name" ]; then log "$name cached"; return; fi
    t0=$(date +%s)
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$OUT/$name.tmp" "$pkg")
    mv -f "$OUT/$name.tmp" "$OUT/$name"
    log "$name built in $(( $(date +%s) - t0 ))s"
}

# --- Kubernetes
K="$SRC/kubernetes-$KUBERNETES_VERSION"
wrapper "$K"
minor="${KUBERNETES_VERSION#1.}"; minor="${minor%%.*}"
if ! grep -q "k8s.io/kubernetes v$KUBERNETES_VERSION" "$K/go.mod"; then
    (cd "$K" && go mod edit -require="k8s.io/kubernetes@v$KUBERNETES_VERSION")
    modfile="$(cd "$K" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    for m in $(sed -n '/^replace (/,/^)/p' "$modfile" | awk '$2 == "=>" && $3 ~ /^\.\/staging/ {print $1}'); do
        (cd "$K" && go mod edit -replace="$m=$m@v0.${KUBERNETES_VERSION#1.}")
    done
fi
V="k8s.io/component-base/version"
KLD="-X $V.gitVersion=v$KUBERNETES_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$minor -X $V.gitTreeState=clean -X $V.gitCommit=0000000000000000000000000000000000000000 -X $V.buildDate=1970-01-01T00:00:00Z"
KLD="$KLD -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION"
for b in "${K8S_BINS[@]}"; do
    build "$b" "$K" "$KLD" "k8s.io/kubernetes/cmd/$b"
done

# --- etcd
E="$SRC/etcd-$ETCD_VERSION"
wrapper "$E"
(cd "$E" && go mod edit -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION" -require="go.etcd.io/etcd/etcdctl/v3@v$ETCD_VERSION")
EV="go.etcd.io/etcd/api/v3/version"
build etcd "$E" "-X $EV.GitSHA=v$ETCD_VERSION" "go.etcd.io/etcd/server/v3"
build etcdctl "$E" "-X $EV.GitSHA=v$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3"

# --- flannel
F="$SRC/flannel-$FLANNEL_VERSION"
wrapper "$F"
(cd "$F" && go mod edit -require="github.com/flannel-io/flannel@v$FLANNEL_VERSION")
# flanneld links every cloud backend; one of their SDK versions is not served by the module
# proxy, so pin the nearest served one (the lab uses only the vxlan and host-gw backends).
(cd "$F" && go mod edit -replace=github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common=github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common@v1.3.78)
# its udp backend is cgo: build it with cgo, statically linked
CGO_ENABLED=1 build flanneld "$F" "-X github.com/flannel-io/flannel/pkg/version.Version=v$FLANNEL_VERSION -linkmode external -extldflags -static" "github.com/flannel-io/flannel"

(cd "$OUT" && sha256sum "${ALL[@]}" > SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS)
"$OUT/kube-apiserver" --version >/dev/null
log "bundle ready: $OUT ($(du -sh "$OUT" | cut -f1))"
