#!/usr/bin/env bash
# NEEDS INTERNET (the one script here that does; nothing in the tests runs it). Builds the
# directory `artifacts.source: local` takes, on a machine that can reach the release URLs:
# the Kubernetes and etcd release binaries for linux/amd64, each checked against the checksum its
# project publishes, plus SHA256SUMS for ha-kubernetes (which checks them again on every host).
#   bash examples/fetch-release.sh KUBERNETES_VERSION ETCD_VERSION DIR
#   e.g. bash examples/fetch-release.sh 1.35.4 3.6.6 release/k1.35.4-e3.6.6
# Mirrors: KUBERNETES_RELEASE_URL (default the Kubernetes project's release URL, laid out as
# <url>/v<version>/bin/linux/amd64/<binary>{,.sha256}) and ETCD_RELEASE_URL (default etcd's GitHub
# releases, <url>/v<version>/{etcd-v<version>-linux-amd64.tar.gz,SHA256SUMS}).
# With network.podNetwork flannel also set FLANNEL_VERSION (flanneld-amd64 from
# FLANNEL_RELEASE_URL, default flannel's GitHub releases, checked against FLANNEL_SHA256).
set -euo pipefail
[ $# = 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
k="$1" e="$2" out="$3"
k8s_url="${KUBERNETES_RELEASE_URL:-https://dl.k8s.io/release}"
etcd_url="${ETCD_RELEASE_URL:-https://github.com/etcd-io/etcd/releases/download}"
flannel_url="${FLANNEL_RELEASE_URL:-https://github.com/flannel-io/flannel/releases/download}"
mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
get() { curl -fsSL --retry 3 -o "$2" "$1" || { echo "download failed: $1" >&2; exit 1; }; }
check() { echo "$1  $2" | sha256sum -c --status || { echo "checksum mismatch: $2" >&2; exit 1; }; }

for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    get "$k8s_url/v$k/bin/linux/amd64/$b" "$tmp/$b"
    get "$k8s_url/v$k/bin/linux/amd64/$b.sha256" "$tmp/$b.sha256"
    check "$(tr -d ' \n' < "$tmp/$b.sha256")" "$tmp/$b"
    install -m 0755 "$tmp/$b" "$out/$b"
done

tarball="etcd-v$e-linux-amd64.tar.gz"
get "$etcd_url/v$e/$tarball" "$tmp/$tarball"
get "$etcd_url/v$e/SHA256SUMS" "$tmp/SHA256SUMS.etcd"
want="$(awk -v f="$tarball" '$2 == f { print $1 }' "$tmp/SHA256SUMS.etcd")"
[ -n "$want" ] || { echo "no checksum for $tarball in etcd's SHA256SUMS" >&2; exit 1; }
check "$want" "$tmp/$tarball"
tar -xzf "$tmp/$tarball" -C "$tmp"
for b in etcd etcdctl etcdutl; do install -m 0755 "$tmp/etcd-v$e-linux-amd64/$b" "$out/$b"; done

if [ -n "${FLANNEL_VERSION:-}" ]; then
    [ -n "${FLANNEL_SHA256:-}" ] || { echo "set FLANNEL_SHA256 (from flannel's release page) with FLANNEL_VERSION" >&2; exit 1; }
    get "$flannel_url/v$FLANNEL_VERSION/flanneld-amd64" "$tmp/flanneld"
    check "$FLANNEL_SHA256" "$tmp/flanneld"
    install -m 0755 "$tmp/flanneld" "$out/flanneld"
fi

(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf "%f\n" | sort | xargs sha256sum > "$tmp/SHA256SUMS" && mv "$tmp/SHA256SUMS" SHA256SUMS)
echo "release binaries and SHA256SUMS in $out:"
cat "$out/SHA256SUMS"
