#!/usr/bin/env bash
# Builds the lab's container images as OCI archives from what Debian ships (busybox-static) and a
# tiny pause process of our own; no container registry involved:
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/pause.tar    ha-kubernetes.local/pause:3.10
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/testapp.tar  ha-kubernetes.local/testapp:1.0
# Import on a node: ctr -n k8s.io images import <file>.
#   bash tests/lab/images.sh [--print-dir]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}"
OUT="$CACHE/artifacts/images"
if [ "${1:-}" = --print-dir ]; then [ -s "$OUT/pause.tar" ] && [ -s "$OUT/testapp.tar" ] && { echo "$OUT"; exit 0; }; exit 1; fi
log() { echo "[images] $*"; }
mkdir -p "$OUT"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

# oci_archive NAME REF ROOTFS_DIR ENTRYPOINT_JSON [CMD_JSON] -> $OUT/NAME.tar
oci_archive() {
    local name="$1" ref="$2" root="$3" entrypoint="$4" cmd="${5:-null}" d="$work/$1-oci"
    mkdir -p "$d/blobs/sha256"
    tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/$name-layer.tar" .
    local diffid; diffid="$(sha256sum "$work/$name-layer.tar" | cut -d' ' -f1)"
    gzip -n -9 -c "$work/$name-layer.tar" > "$work/$name-layer.tgz"
    local layer size; layer="$(sha256sum "$work/$name-layer.tgz" | cut -d' ' -f1)"; size=$(stat -c %s "$work/$name-layer.tgz")
    mv "$work/$name-layer.tgz" "$d/blobs/sha256/$layer"
    printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/","Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"ha-kubernetes lab images.sh"}]}' "$entrypoint" "$cmd" "$diffid" > "$work/$name-config.json"
    local config csize; config="$(sha256sum "$work/$name-config.json" | cut -d' ' -f1)"; csize=$(stat -c %s "$work/$name-config.json")
    mv "$work/$name-config.json" "$d/blobs/sha256/$config"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' "$config" "$csize" "$layer" "$size" > "$work/$name-manifest.json"
    local manifest msize; manifest="$(sha256sum "$work/$name-manifest.json" | cut -d' ' -f1)"; msize=$(stat -c %s "$work/$name-manifest.json")
    mv "$work/$name-manifest.json" "$d/blobs/sha256/$manifest"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' "$manifest" "$msize" "$ref" "${ref##*:}" > "$d/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
    tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$OUT/$name.tar.tmp" oci-layout index.json blobs
    mv -f "$OUT/$name.tar.tmp" "$OUT/$name.tar"
    log "$ref -> $OUT/$name.tar ($(stat -c %s "$OUT/$name.tar") bytes)"
}

if [ -s "$OUT/pause.tar" ] && [ -s "$OUT/testapp.tar" ]; then log "images cached ($OUT)"; exit 0; fi

# pause: our own static binary
mkdir -p "$work/pause/bin"
(cd "$HERE/images/pause" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/pause/bin/pause" .)
oci_archive pause ha-kubernetes.local/pause:3.10 "$work/pause" '["/bin/pause"]'

# testapp: Debian's busybox-static serving a page over HTTP on :8080
(cd "$work" && apt-get download busybox-static >/dev/null 2>&1) || { apt-get update -qq && (cd "$work" && apt-get download busybox-static >/dev/null); }
dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"
mkdir -p "$work/testapp/bin" "$work/testapp/www" "$work/testapp/tmp"
cp "$work/bb/bin/busybox" "$work/testapp/bin/busybox"
for l in sh httpd hostname cat sleep wget ls; do ln -s busybox "$work/testapp/bin/$l"; done
printf 'testapp\n' > "$work/testapp/www/index.html"
oci_archive testapp ha-kubernetes.local/testapp:1.0 "$work/testapp" '["/bin/busybox","httpd","-f","-v","-p","8080","-h","/www"]'
