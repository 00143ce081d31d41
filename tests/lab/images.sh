#!/usr/bin/env bash
# Builds the lab's container images as OCI image-layout archives, from what Debian ships
# (busybox-static) and a tiny pause process of our own; no container registry is involved:
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/pause.tar    ha-kubernetes.local/pause:3.10
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/testapp.tar  ha-kubernetes.local/testapp:1.0
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/coredns.tar  ha-kubernetes.local/coredns/coredns:v1.13.1
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/images/metrics-server.tar
#                                               ha-kubernetes.local/metrics-server/metrics-server:v0.8.0
# (the add-on images under the lab's image repository ha-kubernetes.local, the layout the
# product's addons.imageRepository expects: <repository>/coredns/coredns, <repository>/metrics-server/metrics-server)
# pause: tests/lab/images/pause (static Go; sleeps, exits on SIGTERM/SIGINT, reaps children).
# coredns: built from its Go module (github.com/coredns/coredns, the version kubeadm 1.35 ships),
#   laid out as the official image is: /coredns with the cap_net_bind_service file capability, CA
#   certificates, user nonroot (65532).
# metrics-server: built from its Go module (sigs.k8s.io/metrics-server), laid out as the official
#   image is: /metrics-server, CA certificates, user nobody (65534).
# testapp: busybox; entrypoint tests/lab/images/testapp/entrypoint.sh serves /www on :8080 with
#   an index page "testapp <hostname>".
# Import on a node: ctr -n k8s.io images import <file>.tar (containerd 1.6+). The names are only
# ever resolved locally after import (pods use imagePullPolicy: Never / the sandbox_image).
#
#   bash tests/lab/images.sh [NAME...]              build those images (default: all four; prints
#       "cached" for those whose sources did not change). tests/e2e/build.sh builds pause, testapp
#       and coredns before the first suite and metrics-server (only the stacked suite deploys it)
#       in the background.
#   bash tests/lab/images.sh --print-dir [NAME...]  print the directory (exit 1 if one is missing)
#   bash tests/lab/images.sh --verify     build all, then check them with a throwaway containerd: Debian's
#       containerd and runc packages unpacked under ${CACHE}/artifacts/scratch (not installed), a
#       temporary root, state and socket, no CRI plugin; imports both archives, runs testapp in a
#       container of its own (loopback only) and fetches its page, stops both with SIGTERM, checks
#       that pause reaps orphans; then stops containerd and removes everything it made.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX="images"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OUT="$CACHE/artifacts/images"
COREDNS_VERSION=1.13.1
METRICS_SERVER_VERSION=0.8.0
ALL_IMAGES=(pause testapp coredns metrics-server)
# An image is rebuilt when this script or its sources change (one definition for all of them).
definition="$(cat "$0" "$HERE"/images/pause/* "$HERE"/images/testapp/* | sha256sum | cut -d' ' -f1)"
# ready NAME: its archive is there and was built from this definition
ready() { [ -s "$OUT/$1.tar" ] && [ "$(cat "$OUT/.$1.definition" 2>/dev/null)" = "$definition" ]; }
# missing NAME...: those of NAME that are not ready
missing() { local i; for i in "$@"; do ready "$i" || echo "$i"; done; }
VERIFY=0 PRINT=0 IMAGES=()
for a in "$@"; do
    case "$a" in
        --print-dir) PRINT=1 ;;
        --verify) VERIFY=1 ;;
        pause|testapp|coredns|metrics-server) IMAGES+=("$a") ;;
        *) echo "usage: $0 [--print-dir|--verify] [pause|testapp|coredns|metrics-server ...]" >&2; exit 2 ;;
    esac
done
[ ${#IMAGES[@]} -gt 0 ] && [ "$VERIFY" = 0 ] || IMAGES=("${ALL_IMAGES[@]}")
if [ "$PRINT" = 1 ]; then
    todo="$(missing "${IMAGES[@]}" | tr '\n' ' ')"
    [ -n "$todo" ] || { echo "$OUT"; exit 0; }
    echo "[images] images missing in $OUT: ${todo% } (run tests/lab/images.sh ${todo% })" >&2; exit 1
fi
t0=$(date +%s)
if [ -z "$(missing "${IMAGES[@]}")" ]; then
    log "${IMAGES[*]} cached ($OUT)"
    [ "$VERIFY" = 1 ] || exit 0
    bash "$HERE/images/verify.sh" "$OUT"; exit 0
fi

export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || die "Go is required (/usr/local/go/bin/go) to build the pause binary"
mkdir -p "$OUT"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
# oci_archive NAME REF ROOTFS_DIR ENTRYPOINT_JSON [USER] -> $OUT/NAME.tar: an OCI image layout (oci-layout,
# index.json, blobs/sha256/{layer,config,manifest}) with one gzip layer, reproducible (fixed
# mtimes and owners), tagged with the containerd image-name annotation that `ctr images import`
# uses for the image's name. File capabilities (security.capability) travel in the layer.
oci_archive() {
    local name="$1" ref="$2" root="$3" entrypoint="$4" user="${5:-}" d="$work/$1-oci" layer_tar="$work/$1-layer.tar"
    mkdir -p "$d/blobs/sha256"
    tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --xattrs --xattrs-include=security.capability -cf "$layer_tar" .
    local diffid; diffid="$(sha "$layer_tar")"
    gzip -n -9 -c "$layer_tar" > "$work/layer.gz"
    local layer lsize; layer="$(sha "$work/layer.gz")"; lsize=$(stat -c %s "$work/layer.gz")
    mv "$work/layer.gz" "$d/blobs/sha256/$layer"
    printf '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"User":"%s","WorkingDir":"/","Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"ha-kubernetes tests/lab/images.sh"}]}' \
        "$entrypoint" "$user" "$diffid" > "$work/config.json"
    local config csize; config="$(sha "$work/config.json")"; csize=$(stat -c %s "$work/config.json")
    mv "$work/config.json" "$d/blobs/sha256/$config"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
        "$config" "$csize" "$layer" "$lsize" > "$work/manifest.json"
    local manifest msize; manifest="$(sha "$work/manifest.json")"; msize=$(stat -c %s "$work/manifest.json")
    mv "$work/manifest.json" "$d/blobs/sha256/$manifest"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
        "$manifest" "$msize" "$ref" "${ref##*:}" > "$d/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
    tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$OUT/.$name.tar.tmp" oci-layout index.json blobs
    mv -f "$OUT/.$name.tar.tmp" "$OUT/$name.tar"
    log "$ref -> $OUT/$name.tar ($(stat -c %s "$OUT/$name.tar") bytes, manifest sha256:$manifest)"
}

# go_module_binary NAME VERSION MODULE PACKAGE: a static Go binary built from a module at a version
# into ${CACHE}/artifacts/build/NAME-VERSION/NAME (cached apart from the images: it takes minutes);
# prints its path.
go_module_binary() {
    local name="$1" version="$2" module="$3" pkg="$4" dir bin t
    dir="$CACHE/artifacts/build/$name-$version"; bin="$dir/$name"
    if [ ! -x "$bin" ]; then
        mkdir -p "$dir/src"
        printf 'module hak-lab/%s\n\ngo %s\n\nrequire %s v%s\n' "$name" "$(go env GOVERSION | sed 's/^go//')" "$module" "$version" > "$dir/src/go.mod"
        t=$(date +%s)
        (cd "$dir/src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
            go build -trimpath -ldflags "-s -w" -o "$bin.tmp" "$pkg") >&2 || die "build of $name $version failed"
        mv -f "$bin.tmp" "$bin"
        log "$name $version built in $(( $(date +%s) - t ))s" >&2
    fi
    echo "$bin"
}
# base_root DIR USER:UID: an image root with CA certificates, a writable /tmp and that user.
base_root() {
    local r="$1" user="${2%%:*}" id="${2##*:}"
    mkdir -p "$r/etc/ssl/certs" "$r/tmp"
    chmod 1777 "$r/tmp"
    cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || : > "$r/etc/ssl/certs/ca-certificates.crt"
    printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:%s:/home/%s:/sbin/nologin\n' "$user" "$id" "$id" "$user" "$user" > "$r/etc/passwd"
    printf 'root:x:0:\n%s:x:%s:\n' "$user" "$id" > "$r/etc/group"
}

# pause: our own static binary
build_pause() {
    mkdir -p "$work/pause/bin"
    (cd "$HERE/images/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
        go build -trimpath -ldflags "-s -w" -o "$work/pause/bin/pause" .)
    oci_archive pause ha-kubernetes.local/pause:3.10 "$work/pause" '["/bin/pause"]'
}

# testapp: Debian's busybox-static serving HTTP on :8080
build_testapp() {
    (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) \
        || { apt-get update -qq && (cd "$work" && apt-get download busybox-static >/dev/null 2>&1); } \
        || die "apt-get download busybox-static failed"
    dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"
    log "busybox-static $(dpkg-deb -f "$work"/busybox-static_*.deb Version)"
    r="$work/testapp"
    mkdir -p "$r/bin" "$r/www" "$r/tmp" "$r/etc"
    chmod 1777 "$r/tmp"
    cp "$work/bb/bin/busybox" "$r/bin/busybox"
    # no wget: Debian's static busybox 1.35 wget segfaults (even on 127.0.0.1); clients use nc.
    for l in sh httpd hostname cat echo printf sleep nc ls ps ip env nslookup timeout grep sed; do ln -s busybox "$r/bin/$l"; done
    install -m 0755 "$HERE/images/testapp/entrypoint.sh" "$r/bin/testapp"
    printf 'testapp\n' > "$r/www/index.html"    # served when the entrypoint is overridden
    printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' > "$r/etc/group"
    oci_archive testapp ha-kubernetes.local/testapp:1.0 "$r" '["/bin/testapp"]'
}

# coredns
build_coredns() {
    cbin="$(go_module_binary coredns "$COREDNS_VERSION" github.com/coredns/coredns github.com/coredns/coredns)"
    command -v setcap >/dev/null || lab_apt_install libcap2-bin
    r="$work/coredns"
    base_root "$r" nonroot:65532
    install -m 0755 "$cbin" "$r/coredns"
    setcap cap_net_bind_service=+ep "$r/coredns"
    oci_archive coredns "ha-kubernetes.local/coredns/coredns:v$COREDNS_VERSION" "$r" '["/coredns"]' 65532:65532
}

# metrics-server
build_metrics_server() {
    mbin="$(go_module_binary metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server)"
    r="$work/metrics-server"
    base_root "$r" nobody:65534
    install -m 0755 "$mbin" "$r/metrics-server"
    oci_archive metrics-server "ha-kubernetes.local/metrics-server/metrics-server:v$METRICS_SERVER_VERSION" "$r" '["/metrics-server"]' 65534:65534
}

for i in "${IMAGES[@]}"; do
    if ready "$i"; then log "$i cached"; continue; fi
    "build_${i//-/_}"
    printf '%s' "$definition" > "$OUT/.$i.definition"
done
log "${IMAGES[*]} ready in $(( $(date +%s) - t0 ))s"
[ "$VERIFY" = 1 ] || exit 0
bash "$HERE/images/verify.sh" "$OUT"
