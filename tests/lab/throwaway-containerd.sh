# shellcheck shell=bash
# Sourced (after common.sh) by the scripts that check images on this machine without lab hosts
# (tests/lab/images/verify.sh, tests/conformance/verify.sh): Debian packages unpacked, not
# installed, and a throwaway containerd with a temporary root, state and socket under $T and
# without its CRI plugin. C runs ctr against it.
CTRD_PID=""

# unpack_debs DIR PKG...: downloads PKG... (once: DIR/root/.unpacked lists what is there) and
# unpacks them under DIR/root; puts their bin and sbin first on PATH.
unpack_debs() {
    local dir="$1" d; shift
    if [ "$(cat "$dir/root/.unpacked" 2>/dev/null)" != "$*" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        (cd "$dir" && apt-get download "$@" >/dev/null 2>&1) \
            || { apt-get update -qq && (cd "$dir" && apt-get download "$@" >/dev/null 2>&1); } || die "apt-get download $* failed"
        for d in "$dir"/*.deb; do dpkg-deb -x "$d" "$dir/root"; done
        echo "$*" > "$dir/root/.unpacked"
    fi
    export PATH="$dir/root/usr/bin:$dir/root/usr/sbin:$PATH"
}

C() { ctr --address "$T/containerd.sock" -n k8s.io "$@"; }

# containerd_start: starts containerd on $T/containerd.sock (CTRD_PID) and waits for its socket.
containerd_start() {
    cat > "$T/config.toml" <<TOML
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
TOML
    containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 </dev/null &
    CTRD_PID=$!
    for _ in $(seq 100); do [ -S "$T/containerd.sock" ] && break; sleep 0.1; done
    log "containerd $(C version 2>/dev/null | awk '/Server:/{s=1} s && /Version:/{print $2; exit}') (Debian package, throwaway instance)"
}

# containerd_stop CONTAINER...: kills and removes those containers, then stops containerd.
containerd_stop() {
    local c
    [ -n "$CTRD_PID" ] || return 0
    for c in "$@"; do
        C task kill -s SIGKILL "$c" >/dev/null 2>&1; sleep 0.2
        C task rm -f "$c" >/dev/null 2>&1; C containers rm "$c" >/dev/null 2>&1
    done
    kill -TERM "$CTRD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CTRD_PID" 2>/dev/null
    return 0
}
