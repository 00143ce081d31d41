#!/bin/sh
# Make the cgroup v1 controllers writable and create this host's own subtree in each.
host="$(cat /etc/hostname)"
for c in /sys/fs/cgroup/*/; do
    c="${c%/}"
    [ "$c" = /sys/fs/cgroup/unified ] && continue
    mount -o remount,bind,rw "$c" || echo "cannot make $c writable" >&2
    mkdir -p "$c/$host"
done
# a new cpuset cgroup starts with no CPUs and no memory nodes: give this host's subtree the root's
c=/sys/fs/cgroup/cpuset
if [ -d "$c/$host" ]; then cat "$c/cpuset.cpus" > "$c/$host/cpuset.cpus"; cat "$c/cpuset.mems" > "$c/$host/cpuset.mems"; fi
# nspawn gives no /dev/kmsg; the kubelet's OOM watcher opens it (kind does the same).
[ -e /dev/kmsg ] || ln -s /dev/console /dev/kmsg
