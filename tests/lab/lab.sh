#!/usr/bin/env bash
# Lab hosts for ha-kubernetes: systemd-nspawn machines (real systemd + sshd) booted from a cached
# debootstrap'd Debian root filesystem (bookworm, or trixie), on a bridge the lab creates. All traffic stays
# on that bridge; the host's IP forwarding is never touched and hosts get no DNS.
#
#   lab.sh up [--masters N] [--workers N] [--etcd N] [--lb N] [--release bookworm|trixie]
#                                                               boot exactly this shape (idempotent;
#                                                               stopped hosts are booted again with
#                                                               their disks, extra hosts and hosts of
#                                                               another release removed)
#   lab.sh prepare                                              install packages, build the rootfs of
#                                                               each release
#   lab.sh down                                                 stop and remove everything
#   lab.sh status                                               hosts, pids, ssh reachability
#   lab.sh stop NAME                                            shut a single host down
#   lab.sh cut NAME...                                          cut these hosts' power at once (their
#                                                               processes killed, disks kept)
#   lab.sh start NAME...                                        boot stopped hosts again
#   lab.sh isolate NAME | rejoin NAME                           cut a running host off the bridge
#                                                               (its link stays up) / join it again
#
# Writes ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/lab/inventory.json.
set -euo pipefail
LOG_PREFIX="lab"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LAB="$CACHE/lab"
BR="hak8s0"
NET="10.213.0"
GW="$NET.1"
PREFIX=24
HOSTS_DIR="$LAB/hosts"
RUN="$LAB/run"
LOGS="$LAB/logs"
KEY="$LAB/ssh/id_ed25519"
# files installed into every host (tests/lab/hosts/)
LAB_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# What a minimal Debian server has (systemd, sshd, sudo, the base tools): the hosts' root filesystem.
# Everything the product needs it installs itself, from the lab's package mirror (below).
PACKAGES="systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,iputils-ping,udev,procps,kmod,ca-certificates,less,util-linux,mount"
# What the lab's Debian package mirror serves besides (with every dependency): the packages the
# product installs on a host (components' hostBase lists; kube-proxy's ipvs and nftables modes too),
# and what the e2e runs beside the product on a host as its admin would (docker-registry).
# The mirror is built from debootstrap's downloads and served on the bridge (the gateway, port 3142),
# signed with a key of the lab's own: hosts never reach outside.
MIRROR_PACKAGES="haproxy,keepalived,nginx,libnginx-mod-stream,containerd,runc,containernetworking-plugins,conntrack,iptables,curl,ipset,ipvsadm,nftables,docker-registry"
MIRROR_PORT=3142
MIRROR="$LAB/mirror"
# Debian releases the lab boots (the product supports Debian 12 and 13); the first is the default
RELEASES="bookworm trixie"
# rootfs_of RELEASE: its cached root filesystem (bookworm's keeps the name it always had)
rootfs_of() {
    local key; key="$(echo "$PACKAGES" | sha256sum | cut -c1-12)"
    if [ "$1" = bookworm ]; then echo "$LAB/rootfs-$key"; else echo "$LAB/rootfs-$1-$key"; fi
}
# debs_of RELEASE: debootstrap's download cache for it (one each, so that both build at once)
debs_of() { if [ "$1" = bookworm ]; then echo "$LAB/debs"; else echo "$LAB/debs-$1"; fi; }

[ "$(id -u)" = 0 ] || die "run as root"

ensure_packages() { lab_apt_install debootstrap systemd-container iproute2 openssh-client apt-utils gnupg; }

# The Debian mirror this machine's apt already uses (never a hard-coded host).
apt_mirror() {
    local m
    m="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    [ -n "$m" ] || m="$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)"
    [ -n "$m" ] || die "cannot find this machine's Debian mirror in its apt sources"
    echo "$m"
}

# build_rootfs RELEASE
build_rootfs() {
    local release="$1" rootfs; rootfs="$(rootfs_of "$1")"
    if [ -f "$rootfs/.complete" ]; then log "rootfs cached ($rootfs)"; return; fi
    local t0; t0=$(date +%s)
    rm -rf "$rootfs.tmp"; mkdir -p "$(debs_of "$release")"
    log "debootstrap $release (minbase) into $rootfs"
    debootstrap --variant=minbase --cache-dir="$(debs_of "$release")" --include="$PACKAGES" "$release" "$rootfs.tmp" "$(apt_mirror)" >"$LAB/debootstrap-$release.log" 2>&1 \
        || { tail -n 30 "$LAB/debootstrap-$release.log" >&2; die "debootstrap $release failed"; }
    local r="$rootfs.tmp"
    install -d -m 700 "$r/root/.ssh"; install -m 600 "$KEY.pub" "$r/root/.ssh/authorized_keys"
    add_login_users "$r"
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$r/etc/hosts"
    : > "$r/etc/resolv.conf"
    rm -f "$r/etc/machine-id" "$r/var/lib/dbus/machine-id"; : > "$r/etc/machine-id"
    chroot "$r" systemctl enable systemd-networkd ssh >/dev/null 2>&1
    chroot "$r" systemctl mask systemd-resolved systemd-timesyncd apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
    mkdir -p "$r/etc/systemd/network"
    rm -f "$r"/etc/ssh/ssh_host_*   # generated per host at first boot
    cat > "$r/etc/systemd/system/lab-ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate SSH host keys (lab)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
[Install]
WantedBy=multi-user.target
UNIT
    chroot "$r" systemctl enable lab-ssh-hostkeys.service >/dev/null 2>&1
    rm -rf "$r/var/cache/apt/archives"/*.deb
    touch "$r/.complete"
    mv "$r" "$rootfs"
    log "rootfs $release built in $(( $(date +%s) - t0 ))s ($(du -sh "$rootfs" | cut -f1))"
}

# The mirror's signing key (a key of the lab's own, made once): the hosts check the mirror's
# InRelease against its public half, which the stacks give as packages.signedBy.
MIRROR_GNUPG="$LAB/mirror-gnupg"
MIRROR_KEY="$MIRROR/lab-mirror.asc"
ensure_mirror_key() {
    [ -s "$MIRROR_KEY" ] && return 0
    rm -rf "$MIRROR_GNUPG"; install -d -m 700 "$MIRROR_GNUPG"; mkdir -p "$MIRROR"
    gpg --homedir "$MIRROR_GNUPG" --batch --quiet --passphrase '' --pinentry-mode loopback \
        --quick-gen-key "ha-kubernetes lab mirror" ed25519 sign never 2>/dev/null
    gpg --homedir "$MIRROR_GNUPG" --batch --armor --export > "$MIRROR_KEY.tmp"
    mv "$MIRROR_KEY.tmp" "$MIRROR_KEY"
}

# mirror_of RELEASE: its dists directory; mirror_stamp: what the mirrors are built from (the package lists)
mirror_of() { echo "$MIRROR/debian/dists/$1"; }
mirror_stamp() { echo "$PACKAGES $MIRROR_PACKAGES" | sha256sum | cut -c1-12; }

# build_mirror RELEASE: the lab's Debian mirror of RELEASE under $MIRROR/debian (dists/RELEASE,
# pool/RELEASE), holding the minimal system and MIRROR_PACKAGES with all their dependencies, as
# debootstrap resolves them (downloaded once into debs_of RELEASE), signed with the lab's key.
build_mirror() {
    local release="$1" dist; dist="$(mirror_of "$1")"
    if [ "$(cat "$dist/.complete" 2>/dev/null)" = "$(mirror_stamp)" ]; then log "mirror $release cached"; return; fi
    local t0 tmp; t0=$(date +%s); tmp="$LAB/mirror-dl-$release"
    rm -rf "$tmp" "$MIRROR/debian/pool/$release" "$dist"; mkdir -p "$(debs_of "$release")"
    debootstrap --download-only --variant=minbase --cache-dir="$(debs_of "$release")" --include="$PACKAGES,$MIRROR_PACKAGES" \
        "$release" "$tmp" "$(apt_mirror)" >"$LAB/mirror-$release.log" 2>&1 \
        || { tail -n 30 "$LAB/mirror-$release.log" >&2; die "downloading the packages of $release failed"; }
    mkdir -p "$MIRROR/debian/pool/$release" "$dist/main/binary-amd64"
    mv "$tmp"/var/cache/apt/archives/*.deb "$MIRROR/debian/pool/$release/"
    rm -rf "$tmp"
    (
        cd "$MIRROR/debian"
        apt-ftparchive packages "pool/$release" > "dists/$release/main/binary-amd64/Packages"
        gzip -9kf "dists/$release/main/binary-amd64/Packages"
        apt-ftparchive -o APT::FTPArchive::Release::Origin=ha-kubernetes-lab -o APT::FTPArchive::Release::Suite="$release" \
            -o APT::FTPArchive::Release::Codename="$release" -o APT::FTPArchive::Release::Architectures=amd64 \
            -o APT::FTPArchive::Release::Components=main release "dists/$release" > "dists/$release/Release.tmp"
        mv "dists/$release/Release.tmp" "dists/$release/Release"
        gpg --homedir "$MIRROR_GNUPG" --batch --yes --quiet --clearsign -o "dists/$release/InRelease" "dists/$release/Release"
    )
    mirror_stamp > "$dist/.complete"
    log "mirror $release built in $(( $(date +%s) - t0 ))s ($(find "$MIRROR/debian/pool/$release" -name '*.deb' | wc -l) packages)"
}

# The mirror's web server: a static server on the gateway's address only (tests/lab/packageMirror.js),
# its requests logged to $LOGS/mirror.log (the e2e checks the hosts' installs came from it).
start_mirror() {
    local pid
    pid="$(cat "$RUN/mirror.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
    mkdir -p "$RUN" "$LOGS"
    : > "$LOGS/mirror.log"   # one lab's requests (a lab brought up again starts it again)
    setsid node "$LAB_SRC/packageMirror.js" "$GW" "$MIRROR_PORT" "$MIRROR" "$LOGS/mirror.log" </dev/null >>"$LOGS/mirror-server.log" 2>&1 &
    echo $! > "$RUN/mirror.pid"
    local i
    for i in $(seq 1 50); do
        (exec 3<>"/dev/tcp/$GW/$MIRROR_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    die "the package mirror did not start (see $LOGS/mirror-server.log)"
}
stop_mirror() {
    local pid; pid="$(cat "$RUN/mirror.pid" 2>/dev/null || true)"
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    rm -f "$RUN/mirror.pid"
}

# The lab's SSH key (in every rootfs): made before the builds, which run side by side.
ensure_key() { mkdir -p "$LAB/ssh"; [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N "" -C ha-kubernetes-lab -f "$KEY"; }

# build_rootfses RELEASE...: each release's rootfs, side by side; fails when any fails.
build_rootfses() {
    local r pids=() rc=0
    ensure_key; ensure_mirror_key
    for r in "$@"; do { build_rootfs "$r" && build_mirror "$r"; } & pids+=("$!"); done
    for r in "${pids[@]}"; do wait "$r" || rc=1; done
    [ "$rc" = 0 ] || die "a rootfs build failed"
}

# The kubelet insists on these kernel settings and /proc/sys/{vm,kernel} is read-only in the
# hosts, so the lab sets them on this machine while it runs and puts the old values back on down.
# The inotify limits count per user of the kernel: every host's root is this machine's root, so
# its 128 instances were shared by all hosts' systemd, containerd and kubelet (a machine has
# them to itself); with 9 hosts kubelets failed to start ("inotify_init: too many open files").
KUBELET_SYSCTLS="vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1 fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576"
set_sysctls() {
    local kv k
    if [ ! -f "$LAB/sysctl.orig" ]; then
        for kv in $KUBELET_SYSCTLS; do k="${kv%%=*}"; echo "$k=$(sysctl -n "$k")"; done > "$LAB/sysctl.orig"
    fi
    for kv in $KUBELET_SYSCTLS; do
        k="${kv%%=*}"
        # limits are raised, never lowered
        case "$k" in fs.inotify.*) [ "$(sysctl -n "$k")" -ge "${kv#*=}" ] && continue ;; esac
        sysctl -qw "$kv"
    done
}
restore_sysctls() {
    local kv
    [ -f "$LAB/sysctl.orig" ] || return 0
    while read -r kv; do [ -n "$kv" ] && sysctl -qw "$kv"; done < "$LAB/sysctl.orig"
    rm -f "$LAB/sysctl.orig"
}

ensure_bridge() {
    if ! ip link show "$BR" >/dev/null 2>&1; then
        ip link add "$BR" type bridge
        ip addr add "$GW/$PREFIX" dev "$BR"
    fi
    ip link set "$BR" up
}

# name -> address by role: masters .11-.19, workers .21-.29, etcd .31-.39, lb .41-.49
addr_of() {
    local n="$1" i="${1//[!0-9]/}"
    case "$n" in m*) echo "$NET.$((10 + i))" ;; w*) echo "$NET.$((20 + i))" ;; e*) echo "$NET.$((30 + i))" ;; lb*) echo "$NET.$((40 + i))" ;; esac
}
role_of() { case "$1" in m*) echo master ;; w*) echo worker ;; e*) echo etcd ;; lb*) echo lb ;; esac; }

pid_of() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

# make_host NAME RELEASE
make_host() {
    local n="$1" d="$HOSTS_DIR/$1"
    [ -d "$d" ] && return
    cp -a --reflink=auto "$(rootfs_of "$2")" "$d.tmp"
    echo "$n" > "$d.tmp/etc/hostname"
    printf '127.0.1.1 %s\n' "$n" >> "$d.tmp/etc/hosts"
    printf '[Match]\nName=host0\n\n[Network]\nAddress=%s/%s\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' "$(addr_of "$n")" "$PREFIX" > "$d.tmp/etc/systemd/network/10-host0.network"
    # nspawn on this cgroup-v1 host mounts the v1 controllers read-only. Kubernetes nodes need to
    # create cgroups: remount them writable and give each host its own subtree, which the lab's
    # kubelets use as cgroupRoot (/<host name>), so that hosts never touch each other's cgroups.
    mkdir -p "$d.tmp/usr/local/sbin"
    install -m 755 "$LAB_SRC/hosts/lab-cgroups.sh" "$d.tmp/usr/local/sbin/lab-cgroups"
    install -m 644 "$LAB_SRC/hosts/lab-cgroups.service" "$d.tmp/etc/systemd/system/lab-cgroups.service"
    # The host's subtree in the name=systemd hierarchy can vanish while no kubelet uses it (seen on a
    # worker that joined a cluster minutes after boot): recreate the subtrees before every kubelet start.
    mkdir -p "$d.tmp/etc/systemd/system/kubelet.service.d"
    printf '[Service]\nExecStartPre=-/usr/local/sbin/lab-cgroups\n' > "$d.tmp/etc/systemd/system/kubelet.service.d/lab-cgroups.conf"
    # Without CAP_SYS_RESOURCE nothing in the hosts may raise its file limit above what this machine
    # gives them: cap every service's LimitNOFILE (units ask for 65536) at 16384.
    mkdir -p "$d.tmp/etc/systemd/system/service.d"
    local nofile; nofile="$(ulimit -Hn)"; { [ "$nofile" = unlimited ] || [ "$nofile" -gt 16384 ]; } && nofile=16384
    printf '[Service]\nLimitNOFILE=%s\n' "$nofile" > "$d.tmp/etc/systemd/system/service.d/lab-limits.conf"
    mkdir -p "$d.tmp/etc/systemd/system/multi-user.target.wants"
    ln -sf /etc/systemd/system/lab-cgroups.service "$d.tmp/etc/systemd/system/multi-user.target.wants/lab-cgroups.service"
    mv "$d.tmp" "$d"
    echo "$2" > "$HOSTS_DIR/$n.release"
    # a new disk: stacks deployed to an earlier host of this name describe nothing here
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$HOSTS_DIR/$n.generation"
}

# enter_host_cgroup NAME: moves this (sub)shell into lab-NAME in every cgroup hierarchy. nspawn
# --keep-unit splits the cgroup it starts in into supervisor/ and payload/, and the host's systemd
# builds its slices below its own cgroup: hosts started from one cgroup would share one tree (every
# host's kubelet.service the same cgroup; a unit stopping on one host failed the same unit's start
# on another, 219/CGROUP). Each host gets a tree of its own, as a real machine has.
enter_host_cgroup() {
    local c d
    for c in /sys/fs/cgroup/*/; do
        c="${c%/}"
        [ -f "$c/cgroup.procs" ] || continue
        d="$c/lab-$1"
        mkdir -p "$d"
        # a new cpuset cgroup has no CPUs and no memory nodes: the root's
        if [ -f "$c/cpuset.cpus" ]; then cat "$c/cpuset.cpus" > "$d/cpuset.cpus"; cat "$c/cpuset.mems" > "$d/cpuset.mems"; fi
        echo "$BASHPID" > "$d/cgroup.procs"
    done
}

# remove_cgroup_trees DIR...: cgroup directories whose processes are gone, deepest first.
remove_cgroup_trees() {
    local c
    for c in "$@"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    return 0
}

# remove_host_cgroups NAME: the host's cgroup trees: the kubelet's (/NAME, see lab-cgroups) and the
# one it ran in (lab-NAME).
remove_host_cgroups() { remove_cgroup_trees /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/*/"lab-$1"; }

# Login users besides root, for stacks that log in as a user with passwordless sudo
# (ssh.become: sudo): SUDO_USER_NAME has the lab key and `ALL=(ALL) NOPASSWD: ALL` in
# /etc/sudoers.d; PLAIN_USER_NAME has the key and no sudo (the preflight must name it). Made in
# the rootfs (sudo is among its packages, as on a Debian server installed without a root password).
SUDO_USER_NAME="deploy"
PLAIN_USER_NAME="nosudo"
# add_login_users ROOT
add_login_users() {
    local r="$1" u
    for u in "$SUDO_USER_NAME" "$PLAIN_USER_NAME"; do
        chroot "$r" id -u "$u" >/dev/null 2>&1 || chroot "$r" useradd --create-home --shell /bin/sh --password '*' "$u"
        install -d -m 700 "$r/home/$u/.ssh"
        install -m 600 "$KEY.pub" "$r/home/$u/.ssh/authorized_keys"
        chroot "$r" chown -R "$u:$u" "/home/$u/.ssh"
    done
    printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$SUDO_USER_NAME" > "$r/etc/sudoers.d/.$SUDO_USER_NAME.tmp"
    chmod 0440 "$r/etc/sudoers.d/.$SUDO_USER_NAME.tmp"
    chroot "$r" visudo -cq -f "/etc/sudoers.d/.$SUDO_USER_NAME.tmp" || die "the sudoers file for $SUDO_USER_NAME does not parse"
    mv "$r/etc/sudoers.d/.$SUDO_USER_NAME.tmp" "$r/etc/sudoers.d/$SUDO_USER_NAME"
}

boot_host() {
    local n="$1"
    [ -n "$(pid_of "$n")" ] && return
    mkdir -p "$RUN" "$LOGS"
    # Privileges a Kubernetes node needs inside the container (containerd, runc, kube-proxy).
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    # systemd 256 and later (trixie's) boot on this cgroup-v1 machine only when told to, on their
    # command line (in a container, PID 1's arguments); bookworm's systemd needs nothing
    local init=()
    [ "$(cat "$HOSTS_DIR/$n.release" 2>/dev/null || echo bookworm)" = bookworm ] || init=(systemd.unified_cgroup_hierarchy=0 SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1)
    # the subshell enters the host's cgroups, then becomes nspawn (same pid: setsid does not fork here)
    (
        enter_host_cgroup "$n"
        SYSTEMD_NSPAWN_LOCK=0 exec setsid systemd-nspawn -b -D "$HOSTS_DIR/$n" -M "$n" --register=no --keep-unit \
            --resolv-conf=off --timezone=off --link-journal=no --network-bridge="$BR" \
            --capability=all --system-call-filter='@keyring @memlock bpf' "${init[@]}"
    ) </dev/null >"$LOGS/$n.log" 2>&1 &
    echo $! > "$RUN/$n.pid"
}

wait_ssh() {
    local n deadline=$(( $(date +%s) + 120 ))
    for n in "$@"; do
        until ssh -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
                -o ConnectTimeout=2 "root@$(addr_of "$n")" true 2>/dev/null; do
            [ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$LOGS/$n.log" >&2; die "$n did not answer ssh"; }
            [ -n "$(pid_of "$n")" ] || { tail -n 20 "$LOGS/$n.log" >&2; die "$n exited while booting"; }
            sleep 0.3
        done
    done
}

# stop_host NAME GRACE: an orderly shutdown for up to GRACE seconds, then killed (GRACE 0: a power cut).
stop_host() {
    local n="$1" grace="$2" pid init i
    pid="$(pid_of "$n" || true)"
    if [ -n "$pid" ]; then
        # the container's PID 1 (nspawn's child): when it dies, every process of the host dies
        init="$(pgrep -P "$pid" -x systemd | head -n 1 || true)"
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 $(( grace * 5 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            [ "$grace" = 0 ] || echo "[lab] $n did not shut down in ${grace} s: killed" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        # nothing of the host may outlive it (a second etcd on the same data directory, say)
        if [ -n "$init" ] && kill -0 "$init" 2>/dev/null; then kill -KILL "$init" 2>/dev/null || true; fi
        for i in $(seq 1 50); do { kill -0 "$pid" 2>/dev/null || { [ -n "$init" ] && kill -0 "$init" 2>/dev/null; }; } || break; sleep 0.2; done
    fi
    rm -f "$RUN/$n.pid"
    ip link delete "vb-$n" >/dev/null 2>&1 || true
    # a host started again starts in clean cgroup trees, like a machine after a reboot
    remove_host_cgroups "$n"
}

# at_once FN ARG NAME...: runs `FN NAME ARG` for every NAME side by side and waits for exactly
# those jobs (the mirror server may run in the background of this shell too); ARG may be empty.
at_once() {
    local fn="$1" arg="$2" pids=() n pid
    shift 2
    # shellcheck disable=SC2086 # $arg: no word, or one
    for n in "$@"; do "$fn" "$n" $arg & pids+=("$!"); done
    for pid in "${pids[@]}"; do wait "$pid"; done
}

# remove_host NAME: its disk goes too, so nothing is shut down: its processes are killed at once
remove_host() {
    stop_host "$1" 0
    rm -rf "${HOSTS_DIR:?}/$1" "${HOSTS_DIR:?}/$1.tmp" "${HOSTS_DIR:?}/$1.generation" "${HOSTS_DIR:?}/$1.release"
}

known_hosts() {
    local e
    for e in "$HOSTS_DIR"/* "$RUN"/*.pid; do
        [ -e "$e" ] || continue
        case "$e" in "$RUN"/*) basename "$e" .pid ;; *.tmp|*.generation|*.release) ;; *) basename "$e" ;; esac
    done
}

write_inventory() {
    local first=1 n
    {
        # generation: changes whenever any of these hosts got a new disk
        printf '{\n  "bridge": "%s",\n  "gateway": "%s",\n  "subnet": "%s.0/%s",\n  "sshUser": "root",\n  "sudoUser": "%s",\n  "plainUser": "%s",\n  "sshPrivateKeyPath": "%s",\n  "packageMirror": "http://%s:%s/debian",\n  "packageMirrorKey": "%s",\n  "generation": "%s",\n  "hosts": [' \
            "$BR" "$GW" "$NET" "$PREFIX" "$SUDO_USER_NAME" "$PLAIN_USER_NAME" "$KEY" "$GW" "$MIRROR_PORT" "$MIRROR_KEY" "$(for n in "$@"; do echo "$n $(cat "$HOSTS_DIR/$n.generation" 2>/dev/null)"; done | sha256sum | cut -c1-16)"
        for n in "$@"; do
            [ $first = 1 ] || printf ','
            first=0
            printf '\n    { "name": "%s", "address": "%s", "roles": ["%s"], "pid": %s }' "$n" "$(addr_of "$n")" "$(role_of "$n")" "$(pid_of "$n" || echo 0)"
        done
        printf '\n  ]\n}\n'
    } > "$LAB/inventory.json.tmp"
    mv "$LAB/inventory.json.tmp" "$LAB/inventory.json"
}

# The hosts share this machine's file system: their kubelets see its free space, and evict pods
# (DiskPressure) below 15% free (imagefs.available, the kubelet's default). Said before it happens.
warn_disk() {
    local free
    mkdir -p "$CACHE"
    free="$(df --output=avail,size -k "$CACHE" | awk 'NR == 2 { printf "%d", 100 * $1 / $2 }')"
    [ "${free:-100}" -ge 20 ] || log "WARNING: only ${free}% of the file system of $CACHE is free; kubelets on the lab hosts evict pods below 15% (DiskPressure)"
}

cmd_up() {
    local masters=3 workers=2 etcd=0 lb=0 release="${RELEASES%% *}"
    warn_disk
    while [ $# -gt 0 ]; do
        case "$1" in
            --masters) masters="$2"; shift 2 ;; --workers) workers="$2"; shift 2 ;;
            --etcd) etcd="$2"; shift 2 ;; --lb) lb="$2"; shift 2 ;;
            --release) release="$2"; shift 2 ;;
            *) die "unknown option $1" ;;
        esac
    done
    case " $RELEASES " in *" $release "*) ;; *) die "unknown release $release (known: $RELEASES)" ;; esac
    local want=() i n t0
    for i in $(seq 1 "$masters"); do want+=("m$i"); done
    for i in $(seq 1 "$workers"); do want+=("w$i"); done
    for i in $(seq 1 "$etcd"); do want+=("e$i"); done
    for i in $(seq 1 "$lb"); do want+=("lb$i"); done
    ensure_packages
    build_rootfses "$release"
    for n in $(known_hosts | sort -u); do
        printf '%s\n' "${want[@]}" | grep -x "$n" >/dev/null || { log "removing $n (not in this shape)"; remove_host "$n"; continue; }
        [ "$(cat "$HOSTS_DIR/$n.release" 2>/dev/null)" = "$release" ] || { log "removing $n (not $release)"; remove_host "$n"; }
    done
    ensure_bridge
    start_mirror
    set_sysctls
    t0=$(date +%s%N)
    mkdir -p "$HOSTS_DIR"
    # side by side: each copy of the root filesystem takes seconds, mostly waiting on the disk
    at_once make_host "$release" "${want[@]}"
    for n in "${want[@]}"; do boot_host "$n"; done
    wait_ssh "${want[@]}"
    write_inventory "${want[@]}"
    log "${#want[@]} $release hosts ssh-ready in $(( ($(date +%s%N) - t0) / 1000000 ))ms: ${want[*]}"
}

cmd_down() {
    local pid
    # shellcheck disable=SC2046 # host names, one word each
    at_once remove_host "" $(known_hosts | sort -u)
    # Strays from a crashed run: machines booted from our host dirs, veths of our bridge.
    # shellcheck disable=SC2046 # the child pids, one word each
    for pid in $(pgrep -f "systemd-nspawn .*-D $HOSTS_DIR/" || true); do kill -KILL $(pgrep -P "$pid" -x systemd || true) "$pid" 2>/dev/null || true; done
    for v in $(ip -o link show master "$BR" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link delete "$v" 2>/dev/null || true; done
    stop_mirror
    ip link delete "$BR" >/dev/null 2>&1 || true
    remove_cgroup_trees /sys/fs/cgroup/*/lab-*
    restore_sysctls
    rm -rf "$HOSTS_DIR" "$RUN" "$LAB/inventory.json"
    log "down: no hosts, no bridge"
}

cmd_status() {
    local n
    ip -br addr show "$BR" 2>/dev/null || echo "bridge $BR: absent"
    for n in $(known_hosts | sort -u); do
        local pid; pid="$(pid_of "$n" || true)"
        if [ -n "$pid" ] && ssh -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=2 "root@$(addr_of "$n")" true 2>/dev/null; then
            echo "$n $(addr_of "$n") pid=$pid ssh=ok"
        else
            echo "$n $(addr_of "$n") pid=${pid:-none} ssh=down"
        fi
    done
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    prepare) ensure_packages; read -ra rels <<< "$RELEASES"; build_rootfses "${rels[@]}" ;;
    # (a master's kube-apiserver alone takes ~15 s to drain its connections)
    stop) t0=$(date +%s%N); stop_host "${2:?name}" 30; log "$2 stopped in $(( ($(date +%s%N) - t0) / 1000000 ))ms (disk kept)" ;;
    # a power cut: every process of the host killed at once, nothing shut down (disk kept)
    cut) shift; : "${1:?name}"; t0=$(date +%s%N)
        at_once stop_host 0 "$@"
        log "$* powered off at once in $(( ($(date +%s%N) - t0) / 1000000 ))ms (disks kept)" ;;
    # a partition: the host keeps running with its link up, but its traffic reaches nothing
    isolate) ip link set "vb-${2:?name}" nomaster; log "$2 isolated (its link detached from $BR)" ;;
    rejoin) ip link set "vb-${2:?name}" master "$BR"; log "$2 rejoined $BR" ;;
    start) shift; : "${1:?name}"; ensure_bridge; for n in "$@"; do boot_host "$n"; done; wait_ssh "$@"; log "$* started" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac
