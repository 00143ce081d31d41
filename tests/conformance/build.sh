#!/usr/bin/env bash
# Builds what the Kubernetes conformance suite runs from, from the Go module k8s.io/kubernetes at
# KUBERNETES_VERSION (tests/lab/versions.env):
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/conformance-k<version>/
#     e2e.test   go test -c k8s.io/kubernetes/test/e2e (the suite; [Conformance] specs are its focus)
#     ginkgo     github.com/onsi/ginkgo/v2/ginkgo at the version k8s.io/kubernetes' go.mod requires
#     SHA256SUMS
#
#   bash tests/conformance/build.sh              build (prints "cached" when nothing changed)
#   bash tests/conformance/build.sh --print-dir  print the directory (exit 1 if incomplete)
#
# Like tests/lab/binaries.sh: each product is built in a wrapper Go module under
# ${CACHE}/artifacts/src/conformance-*; the directory is rebuilt only when its definition (this
# script, the versions, the Go version) changed. Build times go to
# ${CACHE}/artifacts/conformance-timings.log. Runs itself at the lowest CPU and I/O priority.
#
# Run the suite against a cluster (kubectl on PATH, images from tests/conformance/images.sh in a
# registry, KUBE_TEST_REPO_LIST from tests/conformance/repo-list.sh):
#   KUBE_TEST_REPO_LIST=repo-list.yaml ./ginkgo --focus='\[Conformance\]' ./e2e.test -- \
#       --kubeconfig=admin.kubeconfig --provider=skeleton
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lab/versions.env
. "$HERE/../lab/versions.env"
LOG_PREFIX="conformance-build"
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/common.sh"
SRC="$CACHE/artifacts/src"
OUT="$CACHE/artifacts/conformance-k${KUBERNETES_VERSION}"
BINS=(e2e.test ginkgo)
export PATH="/usr/local/go/bin:$PATH"

complete() {
    local b
    [ -s "$OUT/SHA256SUMS" ] && [ -s "$OUT/.definition" ] || return 1
    for b in "${BINS[@]}"; do
        [ -x "$OUT/$b" ] && grep -q "  $b\$" "$OUT/SHA256SUMS" || return 1
    done
}
case "${1:-}" in
    --print-dir) complete && { echo "$OUT"; exit 0; }; echo "[conformance-build] incomplete: $OUT (run tests/conformance/build.sh)" >&2; exit 1 ;;
    "") ;;
    *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac
renice -n 19 -p $$ >/dev/null 2>&1 || true
ionice -c3 -p $$ >/dev/null 2>&1 || true
T_ALL=$(date +%s)

command -v go >/dev/null || die "Go is required (/usr/local/go/bin/go; Kubernetes $KUBERNETES_VERSION needs go >= 1.25)"
gov="$(go env GOVERSION)"; gov="${gov#go}"
[ "$(printf '%s\n' 1.25 "$gov" | sort -V | head -1)" = 1.25 ] || die "Go $gov is too old (Kubernetes $KUBERNETES_VERSION needs go >= 1.25)"

definition="$( { cat "$0"; echo "k8s=$KUBERNETES_VERSION go=$gov"; } | sha256sum | cut -d' ' -f1)"
if complete && [ "$(cat "$OUT/.definition")" = "$definition" ]; then
    log "e2e.test, ginkgo (Kubernetes $KUBERNETES_VERSION) cached ($OUT)"
    exit 0
fi

# -mod=mod: the wrapper modules hold only the top-level requirements; go resolves the rest.
# GOTOOLCHAIN=local: never fetch another Go toolchain. Static binaries, like Kubernetes' own.
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$OUT" "$SRC"
# A changed definition rebuilds everything.
if [ "$(cat "$OUT/.definition" 2>/dev/null)" != "$definition" ]; then
    rm -f "$OUT/.definition" "$OUT/SHA256SUMS" "${BINS[@]/#/$OUT/}"
fi

# wrapper DIR GO.MOD-BODY: (re)creates the wrapper module when its definition changed.
wrapper() {
    local dir="$1" body="$2"
    mkdir -p "$dir"
    if [ "$(cat "$dir/.definition" 2>/dev/null)" != "$body" ]; then
        rm -f "$dir/go.mod" "$dir/go.sum" "$dir/.definition" "$dir"/*.go
        printf 'module hak-conformance/%s\n\ngo %s\n\n%s\n' "$(basename "$dir")" "$gov" "$body" > "$dir/go.mod"
        printf '%s' "$body" > "$dir/.definition"
    fi
}
# timed NAME CMD...: runs CMD, logs and records its time.
timed() {
    local name="$1" t0 dt; shift
    t0=$(date +%s)
    "$@" || die "build of $name failed"
    dt=$(( $(date +%s) - t0 ))
    log "$name built in ${dt}s ($(du -m "$OUT/$name" | cut -f1) MiB)"
    echo "$(date -u +%FT%TZ) conformance $name k$KUBERNETES_VERSION ${dt}s" >> "$CACHE/artifacts/conformance-timings.log"
}

# ---------------------------------------------------------------- e2e.test
# k8s.io/kubernetes replaces every k8s.io/* staging module with ./staging/src/...; those replaces
# are ignored in a dependency, so the wrapper replaces each with its published v0.<minor>.<patch>.
kmod="$(cd "$SRC" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
[ -s "$kmod" ] || die "k8s.io/kubernetes@v$KUBERNETES_VERSION is not available from the Go module proxy"
staging="$(sed -n '/^replace (/,/^)/p' "$kmod" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')"
[ -n "$staging" ] || die "no staging replaces found in k8s.io/kubernetes@v$KUBERNETES_VERSION go.mod"
ginkgo_version="$(awk '$1 == "github.com/onsi/ginkgo/v2" {print $2; exit}' "$kmod")"
[ -n "$ginkgo_version" ] || die "k8s.io/kubernetes@v$KUBERNETES_VERSION go.mod requires no github.com/onsi/ginkgo/v2"
K="$SRC/conformance-kubernetes-$KUBERNETES_VERSION"
wrapper "$K" "require k8s.io/kubernetes v$KUBERNETES_VERSION
$(for m in $staging; do echo "replace $m => $m v0.${KUBERNETES_VERSION#1.}"; done)"
minor="${KUBERNETES_VERSION#1.}"; minor="${minor%%.*}"
V="k8s.io/component-base/version"
KLD="-X $V.gitVersion=v$KUBERNETES_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$minor -X $V.gitTreeState=clean"
KLD="$KLD -X $V.gitCommit=0000000000000000000000000000000000000000 -X $V.buildDate=1970-01-01T00:00:00Z"
KLD="$KLD -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
build_e2e() {
    (cd "$K" && go test -c -trimpath -ldflags "-s -w $KLD" -o "$OUT/.e2e.test.tmp" k8s.io/kubernetes/test/e2e) || return 1
    mv -f "$OUT/.e2e.test.tmp" "$OUT/e2e.test"
}
timed e2e.test build_e2e

# ---------------------------------------------------------------- ginkgo
G="$SRC/conformance-ginkgo-${ginkgo_version#v}"
wrapper "$G" "require github.com/onsi/ginkgo/v2 $ginkgo_version"
build_ginkgo() {
    (cd "$G" && go build -trimpath -ldflags "-s -w" -o "$OUT/.ginkgo.tmp" github.com/onsi/ginkgo/v2/ginkgo) || return 1
    mv -f "$OUT/.ginkgo.tmp" "$OUT/ginkgo"
}
timed ginkgo build_ginkgo

# ---------------------------------------------------------------- checksums and a smoke test
got="$("$OUT/ginkgo" version)"
[ "$got" = "Ginkgo Version ${ginkgo_version#v}" ] || die "ginkgo version says '$got', expected ${ginkgo_version#v}"
"$OUT/e2e.test" --version 2>/dev/null | grep -q "v$KUBERNETES_VERSION" || die "e2e.test --version does not say v$KUBERNETES_VERSION"
( cd "$OUT" && sha256sum "${BINS[@]}" > .SHA256SUMS.tmp && mv -f .SHA256SUMS.tmp SHA256SUMS )
printf '%s' "$definition" > "$OUT/.definition"
log "e2e.test (Kubernetes $KUBERNETES_VERSION), ginkgo ${ginkgo_version#v} ready: $OUT ($(du -sm "$OUT" | cut -f1) MiB) in $(( $(date +%s) - T_ALL ))s"
