# shellcheck shell=bash
# Sourced by tests/conformance/images.sh: writes OCI image-layout archives, the way
# tests/lab/images.sh's oci_archive does (fixed mtimes and owners, gzip -n layers, amd64/linux),
# with several layers per image (layers shared between images are computed once) and a full
# image config.
#
#   oci_init DIR                       blob store and scratch space under DIR (emptied)
#   oci_layer ROOTFS_DIR               tar+gzip ROOTFS_DIR into the blob store; prints its id
#   oci_archive OUT REPO TAG CONFIG LAYER_ID...
#       OUT: the archive (.tar) to write; REPO:TAG its name (io.containerd.image.name, and
#       org.opencontainers.image.ref.name is TAG); CONFIG: the members of the image config's
#       "config" object, without braces ('"Entrypoint":["/x"],"User":"1234"': Entrypoint, Cmd,
#       Env, User, WorkingDir, ExposedPorts, StopSignal, ...).
#       Each REPO:TAG gets a config of its own (a label naming it), so two tags never share an
#       image id even when their layers are the same.

OCI_DIR=""
oci_sha() { sha256sum "$1" | cut -d' ' -f1; }

oci_init() {
    OCI_DIR="$1"
    rm -rf "$OCI_DIR"
    mkdir -p "$OCI_DIR/blobs" "$OCI_DIR/layers" "$OCI_DIR/tmp"
}

# A layer id is "<diff id> <digest> <size>", also kept as $OCI_DIR/layers/<digest>.
oci_layer() {
    local root="$1" t="$OCI_DIR/tmp/layer.tar" diffid digest size
    [ -d "$root" ] || { echo "oci_layer: no directory $root" >&2; return 1; }
    # posix format for the capability xattr (ping's cap_net_raw), without atime/ctime: reproducible
    tar -C "$root" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
        --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --xattrs --xattrs-include='security.capability' -cf "$t" .
    diffid="$(oci_sha "$t")"
    gzip -n -6 -c "$t" > "$t.gz"
    digest="$(oci_sha "$t.gz")"; size=$(stat -c %s "$t.gz")
    mv -f "$t.gz" "$OCI_DIR/blobs/$digest"
    rm -f "$t"
    echo "$diffid $digest $size" > "$OCI_DIR/layers/$digest"
    echo "$digest"
}

# oci_blob FILE: moves FILE into the blob store under its digest; prints "<digest> <size>".
oci_blob() {
    local digest size
    digest="$(oci_sha "$1")"; size=$(stat -c %s "$1")
    mv -f "$1" "$OCI_DIR/blobs/$digest"
    echo "$digest $size"
}

oci_archive() {
    local out="$1" repo="$2" tag="$3" config="$4" d l diffids="" layers="" diffid digest size
    shift 4
    for l in "$@"; do
        read -r diffid digest size < "$OCI_DIR/layers/$l"
        diffids="$diffids${diffids:+,}\"sha256:$diffid\""
        layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
    done
    # the label makes the config (the image id) unique to REPO:TAG
    config="{$config${config:+,}\"Labels\":{\"io.ha-kubernetes.conformance.image\":\"$repo:$tag\"}}"
    printf '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"ha-kubernetes tests/conformance/images.sh"}]}' \
        "$config" "$diffids" > "$OCI_DIR/tmp/config.json"
    local c_digest c_size m_digest m_size
    read -r c_digest c_size < <(oci_blob "$OCI_DIR/tmp/config.json")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
        "$c_digest" "$c_size" "$layers" > "$OCI_DIR/tmp/manifest.json"
    read -r m_digest m_size < <(oci_blob "$OCI_DIR/tmp/manifest.json")
    d="$OCI_DIR/tmp/layout"
    rm -rf "$d"; mkdir -p "$d/blobs/sha256"
    for l in "$c_digest" "$m_digest" "$@"; do ln "$OCI_DIR/blobs/$l" "$d/blobs/sha256/$l"; done
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
        "$m_digest" "$m_size" "$repo:$tag" "$tag" > "$d/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
    tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out.tmp" oci-layout index.json blobs
    mv -f "$out.tmp" "$out"
    rm -rf "$d"
    echo "$m_digest"
}
