#!/bin/sh
# Runs at boot inside a lab host (lab-cgroups.service, installed by lab.sh as
# /usr/local/sbin/lab-cgroups). On a cgroup v1 machine systemd-nspawn mounts the v1 controllers
# read-only, yet a Kubernetes node (kubelet, runc) must create cgroups. lab.sh starts every host
# in its own cgroup subtree on the lab machine and gives it a cgroup namespace rooted there, so a
# host only ever sees (and writes) its own subtree. Here: make the controllers writable and create
# a subtree named after the host (the lab's kubelets may use it as cgroupRoot /<host>).
host="$(cat /etc/hostname)"
for c in /sys/fs/cgroup/*/; do
    c="${c%/}"
    # the cgroup2 hierarchy (hybrid layout) belongs to this host's systemd and is writable already
    [ "$(stat -f -c %T "$c" 2>/dev/null)" = cgroup2fs ] && continue
    mount -o remount,bind,rw "$c" 2>/dev/null || echo "lab-cgroups: cannot make $c writable" >&2
    mkdir -p "$c/$host" 2>/dev/null || echo "lab-cgroups: cannot create $c/$host" >&2
done
# a new cpuset cgroup has no CPUs and no memory nodes: give this host's subtree its parent's
c=/sys/fs/cgroup/cpuset
if [ -d "$c/$host" ]; then
    cat "$c/cpuset.cpus" > "$c/$host/cpuset.cpus"
    cat "$c/cpuset.mems" > "$c/$host/cpuset.mems"
fi
# nspawn gives no /dev/kmsg; the kubelet's OOM watcher opens it
[ -e /dev/kmsg ] || ln -s /dev/console /dev/kmsg
exit 0
