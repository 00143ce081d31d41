#!/bin/sh
# usage: ha-kubernetes-etcd-snapshot   (run by etcd-snapshot.service, which etcd-snapshot.timer starts)
# Saves a snapshot of this member's keyspace into the scheduled snapshots' directory (0700, files
# 0600) as <member>-<UTC time>.db, written beside and renamed only when complete, and keeps the
# newest ones. A failed snapshot leaves no file behind and fails the service (journalctl -u etcd-snapshot).
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
dir=@DIR@
keep=@KEEP@
# shellcheck source=/dev/null # the member's EnvironmentFile
. @ETCD_ENV@
umask 077
install -d -m 0700 "$dir"
snap="$dir/${ETCD_NAME:?ETCD_NAME missing from @ETCD_ENV@}-$(date -u +%Y%m%dT%H%M%SZ).db"
if ! @ETCDCTL@ --command-timeout=300s snapshot save "$snap.part" >/dev/null; then
    rm -f -- "$snap.part"
    echo "etcd-snapshot: the snapshot of $ETCD_NAME failed" >&2
    exit 1
fi
mv -- "$snap.part" "$snap"
# shellcheck disable=SC2012 # the names are ours: <member>-<UTC time>.db
ls -1t "$dir"/*.db | tail -n +"$((keep + 1))" | xargs -r rm -f --
echo "etcd-snapshot: $snap ($(wc -c < "$snap") bytes); $(find "$dir" -maxdepth 1 -name '*.db' | wc -l) kept"
