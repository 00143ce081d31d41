#!/usr/bin/env bash
# Builds the container images the [Conformance] specs of Kubernetes KUBERNETES_VERSION
# (tests/lab/versions.env) run, as OCI image-layout archives, from Go modules and Debian bookworm
# packages only (no container registry is involved):
#   ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/artifacts/conformance-k<version>/images/
#     <name>-<tag>.tar   one per image, named <name>:<tag> (io.containerd.image.name)
#     images.txt         "<archive> <name>:<tag> <manifest.go ImageID> <KUBE_TEST_REPO_LIST key>"
#
#   bash tests/conformance/images.sh              build (prints "cached" when nothing changed)
#   bash tests/conformance/images.sh --print-dir  print the directory (exit 1 if incomplete)
#
# Names and tags come from test/utils/image/manifest.go of k8s.io/kubernetes at that version:
# with tests/conformance/repo-list.sh REGISTRY as KUBE_TEST_REPO_LIST the suite pulls exactly
# REGISTRY/<name>:<tag>; tests/conformance/push.sh puts the archives there. The images (which
# manifest.go ImageIDs the files holding ConformanceIt use, see the table below) carry what the
# Dockerfiles under test/images/ (and build/pause, cluster/images/etcd) of the module put in them,
# with Debian bookworm in place of their alpine/jessie bases:
#   agnhost, nautilus   /agnhost (+ agnhost-2), bash, curl, wget, dig/nslookup/host, nc
#                       (openbsd), ip, ping, iperf, ps; /localhost.{crt,key}, /uploads, users of
#                       the image; nautilus adds nautilus.jpg + data.json, CMD test-webserver.
#                       Left out: /coredns (DNS config-map specs, not conformance) and the fake
#                       registry's /var/registry (image-pull specs, not conformance).
#   busybox             upstream busybox 1.37.0, its defconfig, dynamic (a static glibc build
#                       crashes resolving names), every applet in /bin, and Debian's libc; built
#                       from the source Debian ships (Debian's own binary drops environment
#                       variables whose names are not shell names, as the real image does not)
#   nginx               Debian's nginx with nginx.org's image configuration (:80,
#                       /usr/share/nginx/html, logs to stdout/stderr)
#   jessie-dnsutils     Debian minbase + bind9-dnsutils;  nonroot: Debian minbase, USER 1234
#   nonewprivs          busybox + setuid /usr/local/bin/nnp;  sample-apiserver: busybox +
#                       /sample-apiserver (k8s.io/sample-apiserver v0.<minor>.<patch>)
#   etcd                etcd, etcdctl, etcdutl (go.etcd.io/etcd at the version of the tag), migrate,
#                       migrate-if-needed.sh, bash-static as /bin/sh
#   pause               build/pause/linux/pause.c, static, USER 65535:65535
# Debian root filesystems: debootstrap --variant=minbase into a cache, then apt-get in a chroot.
# Work files: ${CACHE}/artifacts/conformance-work/; Go wrapper modules under ${CACHE}/artifacts/src.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lab/versions.env
. "$HERE/../lab/versions.env"
LOG_PREFIX="conformance-images"
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/common.sh"
# shellcheck source=lib/oci.sh
. "$HERE/lib/oci.sh"
SRC="$CACHE/artifacts/src"
OUT="$CACHE/artifacts/conformance-k${KUBERNETES_VERSION}/images"
WORK="$CACHE/artifacts/conformance-work"
export PATH="/usr/local/go/bin:$PATH"

# ImageIDs of manifest.go the conformance specs use, and the archive each becomes.
IMAGES=(Pause BusyBox Agnhost AgnhostPrev Nautilus Nginx JessieDnsutils Nonewprivs NonRoot APIServer Etcd)
complete() { [ -s "$OUT/.definition" ] && archives; }
archives() {
    local f
    [ -s "$OUT/images.txt" ] || return 1
    [ "$(wc -l < "$OUT/images.txt")" -eq "${#IMAGES[@]}" ] || return 1
    while read -r f _; do [ -s "$OUT/$f" ] || return 1; done < "$OUT/images.txt"
}
case "${1:-}" in
    --print-dir) complete && { echo "$OUT"; exit 0; }; echo "[conformance-images] incomplete: $OUT (run tests/conformance/images.sh)" >&2; exit 1 ;;
    "") ;;
    *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac
renice -n 19 -p $$ >/dev/null 2>&1 || true
ionice -c3 -p $$ >/dev/null 2>&1 || true
T0=$(date +%s)

command -v go >/dev/null || die "Go is required (/usr/local/go/bin/go)"
gov="$(go env GOVERSION)"; gov="${gov#go}"
definition="$( { cat "$0" "$HERE/lib/oci.sh"; echo "k8s=$KUBERNETES_VERSION go=$gov"; } | sha256sum | cut -d' ' -f1)"
if complete && [ "$(cat "$OUT/.definition")" = "$definition" ]; then
    log "$(awk '{printf "%s%s", sep, $2; sep=", "}' "$OUT/images.txt") cached ($OUT)"
    exit 0
fi

lab_apt_install debootstrap gcc libc6-dev
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$OUT" "$SRC" "$WORK/debs" "$WORK/bin" "$WORK/roots"

# ---------------------------------------------------------------- the module and its manifest
kdir="$(cd "$SRC" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[ -d "$kdir/test/images" ] || die "k8s.io/kubernetes@v$KUBERNETES_VERSION is not available from the Go module proxy"
manifest="$kdir/test/utils/image/manifest.go"
# "<ImageID> <RegistryList field> <name> <tag>" for every image of manifest.go
configs="$(sed -nE 's/^\s*configs\[([A-Za-z0-9]+)\] = Config\{list\.([A-Za-z0-9]+), "([^"]+)", "([^"]+)"\}.*/\1 \2 \3 \4/p' "$manifest")"
# the YAML keys of RegistryList must be the ones repo-list.sh writes
# shellcheck disable=SC2016 # the backquotes are Go's struct tag
keys="$(sed -nE 's/^\s*[A-Za-z0-9]+\s+string\s+`yaml:"([A-Za-z0-9]+)"`.*/\1/p' "$manifest" | sort)"
[ "$keys" = "$(bash "$HERE/repo-list.sh" --keys | sort)" ] || die "manifest.go's registry keys ($(echo "$keys" | tr '\n' ' ')) differ from repo-list.sh's"
cfg() {  # cfg ID FIELD -> name|tag|key
    local line id field name tag
    line="$(awk -v id="$1" '$1 == id' <<<"$configs")"
    [ -n "$line" ] || die "manifest.go has no image $1"
    read -r id field name tag <<<"$line"
    case "$2" in
        name) echo "$name" ;;
        tag) echo "$tag" ;;
        key) echo "${field,}" ;;   # the YAML key: PromoterE2eRegistry -> promoterE2eRegistry
    esac
}
for id in "${IMAGES[@]}"; do cfg "$id" name >/dev/null; done
etcd_version="$(cfg Etcd tag)"; etcd_version="${etcd_version%-*}"
if ! (cd "$SRC" && go mod download "go.etcd.io/etcd/server/v3@v$etcd_version" >/dev/null 2>&1); then
    log "go.etcd.io/etcd/server/v3@v$etcd_version is not served: the etcd image gets etcd $ETCD_VERSION (tests/lab/versions.env)"
    etcd_version="$ETCD_VERSION"
fi
agnhost_version="$(cat "$kdir/test/images/agnhost/VERSION")"

# ---------------------------------------------------------------- Go binaries (cached by version)
BIN="$WORK/bin/k$KUBERNETES_VERSION-e$etcd_version"
mkdir -p "$BIN"
wrapper() {  # wrapper DIR GO.MOD-BODY: (re)creates the wrapper module when its definition changed
    local dir="$1" body="$2"
    mkdir -p "$dir"
    if [ "$(cat "$dir/.definition" 2>/dev/null)" != "$body" ]; then
        rm -f "$dir/go.mod" "$dir/go.sum" "$dir/.definition"
        printf 'module hak-conformance/%s\n\ngo %s\n\n%s\n' "$(basename "$dir")" "$gov" "$body" > "$dir/go.mod"
        printf '%s' "$body" > "$dir/.definition"
    fi
}
gobuild() {  # gobuild NAME DIR PACKAGE [LDFLAGS]
    local name="$1" dir="$2" pkg="$3" ldflags="${4:-}" t
    if [ -x "$BIN/$name" ]; then log "$name cached"; return; fi
    t=$(date +%s)
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/.$name.tmp" "$pkg") || die "build of $name ($pkg) failed"
    mv -f "$BIN/.$name.tmp" "$BIN/$name"
    log "$name built in $(( $(date +%s) - t ))s ($(du -m "$BIN/$name" | cut -f1) MiB)"
}
staging="$(sed -n '/^replace (/,/^)/p' "$kdir/go.mod" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')"
K="$SRC/conformance-images-k$KUBERNETES_VERSION"
wrapper "$K" "require k8s.io/kubernetes v$KUBERNETES_VERSION
$(for m in $staging; do echo "replace $m => $m v0.${KUBERNETES_VERSION#1.}"; done)"
gobuild agnhost "$K" k8s.io/kubernetes/test/images/agnhost "-X main.Version=$agnhost_version"
gobuild nnp "$K" k8s.io/kubernetes/test/images/nonewprivs
gobuild sample-apiserver "$K" k8s.io/sample-apiserver
gobuild migrate "$K" k8s.io/kubernetes/cluster/images/etcd/migrate
E="$SRC/conformance-etcd-$etcd_version"
wrapper "$E" "require (
	go.etcd.io/etcd/server/v3 v$etcd_version
	go.etcd.io/etcd/etcdctl/v3 v$etcd_version
	go.etcd.io/etcd/etcdutl/v3 v$etcd_version
)"
EV="-X go.etcd.io/etcd/api/v3/version.GitSHA=v$etcd_version"
gobuild etcd "$E" go.etcd.io/etcd/server/v3 "$EV"
gobuild etcdctl "$E" go.etcd.io/etcd/etcdctl/v3 "$EV"
gobuild etcdutl "$E" go.etcd.io/etcd/etcdutl/v3 "$EV"
pause_version="$(cfg Pause tag)"
if [ ! -x "$BIN/pause" ]; then
    if ! gcc -Os -Wall -Werror -static -DVERSION="v$pause_version-0" -o "$BIN/.pause.tmp" "$kdir/build/pause/linux/pause.c"; then
        die "build of pause failed"
    fi
    strip "$BIN/.pause.tmp"; mv -f "$BIN/.pause.tmp" "$BIN/pause"
    log "pause $pause_version built"
fi

# ---------------------------------------------------------------- Debian root filesystems
MOUNTS=()
# rmtree DIR...: removes DIR after unmounting whatever is mounted below it (a chroot's /proc,
# debootstrap's /proc and /sys), never crossing into another file system.
rmtree() {
    local d m
    for d in "$@"; do
        [ -e "$d" ] || [ -L "$d" ] || continue
        d="$(realpath -s "$d")"
        while read -r m; do
            umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
        done < <(awk -v t="$d/" 'index($2 "/", t) == 1 {print $2}' /proc/mounts | sort -r)
        rm -rf --one-file-system "$d"
    done
}
cleanup() {
    local m
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    [ -z "${OCI_DIR:-}" ] || rm -rf "$OCI_DIR"
    [ -z "${R:-}" ] || rmtree "$R" "$R.merged"
}
trap cleanup EXIT
apt_mirror() {  # this machine's Debian mirror (as tests/lab/lab.sh finds it)
    local m
    m="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    [ -n "$m" ] || m="$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)"
    [ -n "$m" ] || die "cannot find this machine's Debian mirror in its apt sources"
    echo "$m"
}
# minbase: the base of the Debian images (like the Kubernetes project's debian-base), cached.
BASE="$WORK/roots/minbase-bookworm"
if [ ! -f "$BASE/.complete" ]; then
    rmtree "$BASE" "$BASE.tmp"
    log "debootstrap bookworm (minbase) into $BASE"
    debootstrap --variant=minbase --cache-dir="$WORK/debs" bookworm "$BASE.tmp" "$(apt_mirror)" > "$WORK/debootstrap.log" 2>&1 \
        || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$BASE.tmp/var/cache/apt/archives/"*.deb
    touch "$BASE.tmp/.complete"; mv "$BASE.tmp" "$BASE"
fi
# in_root ROOT CMD...: runs CMD in a chroot of ROOT with /proc, resolv.conf and no service starts.
in_root() {
    local r="$1"; shift
    cp -L /etc/resolv.conf "$r/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"; chmod 0755 "$r/usr/sbin/policy-rc.d"
    mount -t proc proc "$r/proc"; MOUNTS+=("$r/proc")
    local rc=0
    chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C HOME=/root "$@" || rc=$?
    umount "$r/proc"
    rm -f "$r/usr/sbin/policy-rc.d"
    return $rc
}
# trim ROOT: what a container image does not need (as debian-base drops it).
trim() {
    ( cd "$1" || exit 1
      rm -rf --one-file-system var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old var/lib/dpkg/*-old \
          usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/* \
          tmp/* var/tmp/* dev/* etc/hostname .complete
      find var/log -type f -delete   # logs go, their directories and links (nginx's) stay
      : > etc/resolv.conf
      : > etc/machine-id )
}
# debian_root NAME SETUP-FUNCTION: $WORK/roots/NAME = minbase + SETUP (run with the root as $1),
# trimmed; cached by the setup function's text.
debian_root() {
    local name="$1" setup="$2" r="$WORK/roots/$1" key
    key="$( { stat -c %Y "$BASE/.complete"; declare -f "$setup" trim in_root apt_install; } | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$r.key" 2>/dev/null)" = "$key" ] && [ -d "$r" ]; then log "rootfs $name cached"; return; fi
    rmtree "$r" "$r.tmp" "$r.key"
    cp -a "$BASE" "$r.tmp"
    "$setup" "$r.tmp" || die "setting up the $name root filesystem failed"
    trim "$r.tmp"
    mv "$r.tmp" "$r"; echo "$key" > "$r.key"
    log "rootfs $name: $(du -sm "$r" | cut -f1) MiB"
}
apt_install() {  # apt_install ROOT PKG...
    local r="$1"; shift
    in_root "$r" sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' apt "$@"
}
setup_debian_base() { :; }
setup_agnhost() {
    local r="$1"
    apt_install "$r" bash curl wget ca-certificates bind9-dnsutils netcat-openbsd iproute2 iputils-ping iperf procps || return 1
    ln -s /usr/bin/iperf "$r/usr/local/bin/iperf"
    in_root "$r" sh -ec 'useradd -u 1000 -U -m -s /bin/sh user-defined-in-image
        groupadd -g 50000 group-defined-in-image; usermod -a -G group-defined-in-image user-defined-in-image'
}
setup_nginx() {
    local r="$1"
    apt_install "$r" nginx || return 1
    rm -rf "$r"/etc/nginx/sites-enabled "$r"/etc/nginx/sites-available "$r"/etc/nginx/modules-enabled "$r"/var/www/html
    mkdir -p "$r/etc/nginx/conf.d" "$r/var/lib/nginx" "$r/var/log/nginx" "$r/var/cache/nginx"
    cat > "$r/etc/nginx/nginx.conf" <<'EOF'
user  www-data;
worker_processes  1;
error_log  /var/log/nginx/error.log warn;
pid        /run/nginx.pid;
events {
    worker_connections  1024;
}
http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    access_log  /var/log/nginx/access.log  main;
    sendfile        on;
    keepalive_timeout  65;
    include /etc/nginx/conf.d/*.conf;
}
EOF
    cat > "$r/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen       80;
    server_name  localhost;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
EOF
    [ -s "$r/usr/share/nginx/html/index.html" ] || printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n' > "$r/usr/share/nginx/html/index.html"
    [ -s "$r/usr/share/nginx/html/50x.html" ] || printf '<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>An error occurred.</h1></body></html>\n' > "$r/usr/share/nginx/html/50x.html"
    in_root "$r" nginx -t -q || return 1
    # after the config test: the test writes the log files; the image logs to the container's output
    ln -sf /dev/stdout "$r/var/log/nginx/access.log"; ln -sf /dev/stderr "$r/var/log/nginx/error.log"
}
setup_jessie_dnsutils() { apt_install "$1" bind9-dnsutils; }
debian_root debian-base setup_debian_base
debian_root agnhost setup_agnhost
debian_root nginx setup_nginx
debian_root jessie-dnsutils setup_jessie_dnsutils

# ---------------------------------------------------------------- busybox-based and small roots
deb() {  # deb PKG: the path of PKG's .deb (this machine's bookworm candidate), kept in $WORK/debs
    local p="$1" v f try
    v="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -z "$v" ] || [ "$v" = "(none)" ]; then apt-get update -qq; v="$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')"; fi
    for try in 1 2; do
        for f in "$WORK/debs/${p}_"*.deb; do
            [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$v" ] && { echo "$f"; return 0; }
        done
        [ "$try" = 1 ] && { (cd "$WORK/debs" && apt-get download "$p=$v" >/dev/null 2>&1) || die "apt-get download $p=$v failed"; }
    done
    die "no .deb of $p $v in $WORK/debs"
}
# busybox_binary: prints the path of upstream busybox BUSYBOX_VERSION built with its defconfig
# (dynamic, against this machine's glibc), as the busybox image carries it. Not Debian's binary:
# Debian reverts upstream's import of every environment variable into ash, so a variable named
# like `data-1` (the Secrets and ConfigMap envFrom specs) never reaches a child of `sh -c`. The
# source is the upstream tarball Debian ships (its orig tarball), downloaded by apt from the
# signed Sources index of trixie (apt checks signature and hashes) into a private apt state.
BUSYBOX_VERSION=1.37.0
busybox_binary() {
    local b="$BIN/busybox-$BUSYBOX_VERSION" d="$WORK/apt-src" t
    if [ ! -x "$b" ]; then
        t=$(date +%s)
        lab_apt_install make bzip2 >&2
        rmtree "$d"; mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/src" "$d/build"
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(apt_mirror) trixie main" > "$d/sources.list"
        local apt=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/none" -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache")
        apt-get "${apt[@]}" update -qq >&2 || die "apt-get update (trixie sources) failed"
        (cd "$d/src" && apt-get "${apt[@]}" source --download-only -qq busybox >&2) || die "apt-get source busybox (trixie) failed"
        [ -s "$d/src/busybox_$BUSYBOX_VERSION.orig.tar.bz2" ] || die "trixie's busybox source is not $BUSYBOX_VERSION ($(ls "$d/src"))"
        tar -xjf "$d/src/busybox_$BUSYBOX_VERSION.orig.tar.bz2" -C "$d/build" || die "unpacking busybox $BUSYBOX_VERSION failed"
        ( cd "$d/build/busybox-$BUSYBOX_VERSION" || exit 1
          make defconfig >/dev/null
          # the SHA-NI code paths do not build with every gcc; they only speed up sha1sum/sha256sum
          sed -i 's/^CONFIG_SHA1_HWACCEL=y/# CONFIG_SHA1_HWACCEL is not set/; s/^CONFIG_SHA256_HWACCEL=y/# CONFIG_SHA256_HWACCEL is not set/' .config
          KCONFIG_NOTIMESTAMP=1 make -j"$(nproc)" busybox > "$d/make.log" 2>&1 ) \
            || { tail -n 20 "$d/make.log" >&2; die "build of busybox $BUSYBOX_VERSION failed"; }
        install -m 0755 "$d/build/busybox-$BUSYBOX_VERSION/busybox" "$b.tmp" || die "installing busybox failed"
        mv -f "$b.tmp" "$b" || die "installing busybox failed"
        rmtree "$d"
        log "busybox $BUSYBOX_VERSION (upstream defconfig) built in $(( $(date +%s) - t ))s" >&2
    fi
    [ -x "$b" ] || die "no busybox binary at $b"
    echo "$b"
}
# built here, not in the command substitution below (where a failure would only end a subshell)
busybox_bin="$(busybox_binary)" || die "busybox $BUSYBOX_VERSION is not built"
[ -x "$busybox_bin" ] || die "busybox $BUSYBOX_VERSION is not built"
R="$WORK/roots/small"
rmtree "$R"; mkdir -p "$R"
# busybox: like the busybox image (every applet in /bin, root/daemon/.../nobody users)
bb="$R/busybox"
mkdir -p "$bb/bin" "$bb/etc" "$bb/root" "$bb/home" "$bb/tmp" "$bb/usr/sbin" "$bb/var/spool/mail" "$bb/var/www"
chmod 1777 "$bb/tmp"; chmod 0700 "$bb/root"
mkdir -p "$R/x/libc6"
dpkg-deb -x "$(deb libc6)" "$R/x/libc6"
cp "$busybox_bin" "$bb/bin/busybox"
busybox_version="$BUSYBOX_VERSION"
for a in $("$bb/bin/busybox" --list); do [ -e "$bb/bin/$a" ] || ln "$bb/bin/busybox" "$bb/bin/$a"; done
# glibc: the loader and the shared libraries, without gconv modules, locales and docs
mkdir -p "$bb/lib64" "$bb/lib/x86_64-linux-gnu"
cp -a "$R/x/libc6/lib64/." "$bb/lib64/"
find "$R/x/libc6/lib/x86_64-linux-gnu" -maxdepth 1 \( -type f -o -type l \) -exec cp -a {} "$bb/lib/x86_64-linux-gnu/" \;
cat > "$bb/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
cat > "$bb/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
floppy:x:11:
news:x:13:
uucp:x:14:
www-data:x:33:
operator:x:37:
users:x:100:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nservices: files\nprotocols: files\n' > "$bb/etc/nsswitch.conf"
chroot "$bb" /bin/sh -c 'type wget nslookup sysctl && echo ok' 2>&1 | grep -q '^ok$' || die "busybox does not run in its root"
# nonewprivs: the busybox root + a setuid nnp (the image's base is alpine: a shell and its tools)
nnp="$R/nonewprivs"; mkdir -p "$nnp/usr/local/bin"
install -m 4755 "$BIN/nnp" "$nnp/usr/local/bin/nnp"
# sample-apiserver: the busybox root + the binary
sa="$R/sample-apiserver"; mkdir -p "$sa"
install -m 0755 "$BIN/sample-apiserver" "$sa/sample-apiserver"
# agnhost: the binary and the image's files, on the agnhost Debian root
ag="$R/agnhost"; mkdir -p "$ag/uploads"
install -m 0755 "$BIN/agnhost" "$ag/agnhost"; ln -s agnhost "$ag/agnhost-2"
install -m 0644 "$kdir/test/images/agnhost/porter/localhost.crt" "$kdir/test/images/agnhost/porter/localhost.key" "$ag/"
# nautilus: agnhost + its page
na="$R/nautilus"; mkdir -p "$na"
install -m 0644 "$kdir/test/images/nautilus/html/nautilus.jpg" "$kdir/test/images/nautilus/html/data.json" "$na/"
# etcd: like the etcd image (distroless static + bash-static as /bin/sh)
et="$R/etcd"
mkdir -p "$et/bin" "$et/etc/ssl/certs" "$et/tmp" "$et/root" "$et/home/nonroot" "$et/usr/local/bin" "$et/var/lib"
chmod 1777 "$et/tmp"; chmod 0700 "$et/root"
dpkg-deb -x "$(deb bash-static)" "$R/x/bash-static"
install -m 0755 "$R/x/bash-static/bin/bash-static" "$et/bin/sh"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$et/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > "$et/etc/group"
printf 'hosts: files dns\n' > "$et/etc/nsswitch.conf"
cp "$WORK/roots/agnhost/etc/ssl/certs/ca-certificates.crt" "$et/etc/ssl/certs/ca-certificates.crt"
for b in etcd etcdctl etcdutl; do
    install -m 0755 "$BIN/$b" "$et/usr/local/bin/$b"
    ln "$et/usr/local/bin/$b" "$et/usr/local/bin/$b-$etcd_version"
done
install -m 0755 "$BIN/migrate" "$et/usr/local/bin/migrate"
install -m 0755 "$kdir/cluster/images/etcd/migrate-if-needed.sh" "$et/usr/local/bin/migrate-if-needed.sh"
# pause
pa="$R/pause"; mkdir -p "$pa"; install -m 0755 "$BIN/pause" "$pa/pause"

# ---------------------------------------------------------------- smoke tests in the roots
smoke() {  # smoke ROOT CMD...: CMD must succeed in a chroot of ROOT (after the layers are merged)
    local r="$1"; shift
    chroot "$r" "$@" >/dev/null 2>&1 || die "in $(basename "$r"): '$*' failed"
}
merged="$R.merged"
merge() { rmtree "$merged"; mkdir -p "$merged"; local d; for d in "$@"; do cp -a "$d/." "$merged/"; done; }
merge "$WORK/roots/agnhost" "$ag" "$na"
smoke "$merged" /agnhost --help
smoke "$merged" /agnhost-2 netexec --help
# shellcheck disable=SC2016 # expanded by the image's bash
smoke "$merged" /bin/bash -c 'for t in curl wget dig nslookup host nc ip ping iperf ps awk timeout; do command -v "$t" || exit 1; done'
smoke "$merged" curl --version
smoke "$merged" dig -v
if [ ! -s "$merged/nautilus.jpg" ] || [ ! -s "$merged/data.json" ]; then die "nautilus: page missing"; fi
chroot "$merged" id user-defined-in-image | grep -q '(group-defined-in-image)' || die "agnhost: user-defined-in-image is not in group-defined-in-image"
smoke "$WORK/roots/jessie-dnsutils" dig -v
merge "$bb" "$nnp"; smoke "$merged" /usr/local/bin/nnp
merge "$bb" "$sa"; smoke "$merged" /sample-apiserver --help
smoke "$et" /usr/local/bin/etcd --version
smoke "$et" /bin/sh -c "/usr/local/bin/etcdctl version && /usr/local/bin/migrate --help"
"$pa/pause" -v 2>&1 | grep -q "v$pause_version" || die "pause -v does not say v$pause_version"
rmtree "$merged"

# ---------------------------------------------------------------- archives
oci_init "$WORK/oci"
rm -f "$OUT"/*.tar "$OUT/images.txt" "$OUT/.definition"
PATH_ENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
log "packing layers"
L_BB="$(oci_layer "$bb")"
L_AGROOT="$(oci_layer "$WORK/roots/agnhost")"; L_AG="$(oci_layer "$ag")"; L_NA="$(oci_layer "$na")"
L_NGINX="$(oci_layer "$WORK/roots/nginx")"
L_JESSIE="$(oci_layer "$WORK/roots/jessie-dnsutils")"
L_DEB="$(oci_layer "$WORK/roots/debian-base")"
L_NNP="$(oci_layer "$nnp")"; L_SA="$(oci_layer "$sa")"; L_ET="$(oci_layer "$et")"; L_PA="$(oci_layer "$pa")"
AGNHOST_CFG="\"Env\":[$PATH_ENV],\"WorkingDir\":\"/\",\"ExposedPorts\":{\"80/tcp\":{},\"8080/tcp\":{},\"8081/tcp\":{},\"9376/tcp\":{},\"5000/tcp\":{}},\"Entrypoint\":[\"/agnhost\"]"
image() {  # image ID WHAT CONFIG LAYER...
    local id="$1" what="$2" config="$3" name tag file m; shift 3
    name="$(cfg "$id" name)"; tag="$(cfg "$id" tag)"
    file="$(echo "$name" | tr / _)-$tag.tar"
    m="$(oci_archive "$OUT/$file" "$name" "$tag" "$config" "$@")"
    echo "$file $name:$tag $id $(cfg "$id" key)" >> "$OUT/images.txt"
    log "$name:$tag ($what) -> $file ($(du -m "$OUT/$file" | cut -f1) MiB, manifest sha256:$m)"
}
image Pause "pause.c v$pause_version" '"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"User":"65535:65535","Entrypoint":["/pause"]' "$L_PA"
image BusyBox "busybox $busybox_version (upstream defconfig)" "\"Env\":[$PATH_ENV],\"Cmd\":[\"sh\"]" "$L_BB"
image Agnhost "agnhost $agnhost_version" "$AGNHOST_CFG,\"Cmd\":[\"pause\"]" "$L_AGROOT" "$L_AG"
image AgnhostPrev "agnhost $agnhost_version" "$AGNHOST_CFG,\"Cmd\":[\"pause\"]" "$L_AGROOT" "$L_AG"
image Nautilus "agnhost $agnhost_version + nautilus page" "$AGNHOST_CFG,\"Cmd\":[\"test-webserver\"]" "$L_AGROOT" "$L_AG" "$L_NA"
dpkg_version() { chroot "$1" dpkg-query -W -f="\${Version}" "$2"; }
image Nginx "Debian nginx $(dpkg_version "$WORK/roots/nginx" nginx)" \
    "\"Env\":[$PATH_ENV],\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGTERM\",\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"]" "$L_NGINX"
image JessieDnsutils "Debian bind9-dnsutils $(dpkg_version "$WORK/roots/jessie-dnsutils" bind9-dnsutils)" \
    "\"Env\":[$PATH_ENV],\"Cmd\":[\"bash\"]" "$L_JESSIE"
image Nonewprivs "busybox + setuid nnp" "\"Env\":[$PATH_ENV],\"Cmd\":[\"nnp\"]" "$L_BB" "$L_NNP"
image NonRoot "Debian minbase, user 1234" "\"Env\":[$PATH_ENV],\"User\":\"1234\",\"Cmd\":[\"bash\"]" "$L_DEB"
image APIServer "k8s.io/sample-apiserver v0.${KUBERNETES_VERSION#1.}" "\"Env\":[$PATH_ENV],\"Entrypoint\":[\"/sample-apiserver\"]" "$L_BB" "$L_SA"
image Etcd "etcd $etcd_version" "\"Env\":[$PATH_ENV,\"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\"],\"WorkingDir\":\"/\",\"ExposedPorts\":{\"2379/tcp\":{},\"2380/tcp\":{},\"4001/tcp\":{},\"7001/tcp\":{}}" "$L_ET"
rmtree "$R" "$OCI_DIR"; OCI_DIR=""; R=""
archives || die "images incomplete in $OUT"
printf '%s' "$definition" > "$OUT/.definition"
log "$(wc -l < "$OUT/images.txt") images ($(du -sm "$OUT" | cut -f1) MiB) in $OUT, built in $(( $(date +%s) - T0 ))s"
