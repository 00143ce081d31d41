#!/bin/sh
# usage: ha-kubernetes-etcd-restore SNAPSHOT INITIAL_CLUSTER
#   SNAPSHOT         a snapshot file on this member (e.g. from /var/lib/etcd-snapshots)
#   INITIAL_CLUSTER  every current member as name=https://address:peer-port,... (etcdctl member list)
# Run it on every member, with etcd stopped on all of them; then start etcd everywhere.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
[ "$#" -eq 2 ] || { echo "usage: $0 SNAPSHOT INITIAL_CLUSTER" >&2; exit 2; }
snapshot="$1"
cluster="$2"
[ -s "$snapshot" ] || { echo "etcd-restore: no snapshot at $snapshot" >&2; exit 1; }
if systemctl is-active --quiet etcd; then echo "etcd-restore: etcd is running here; stop it on every member first" >&2; exit 1; fi
# shellcheck source=/dev/null # the member's EnvironmentFile
. @ETCD_ENV@
data="${ETCD_DATA_DIR:?ETCD_DATA_DIR missing from @ETCD_ENV@}"
case ",$cluster," in *",$ETCD_NAME=$ETCD_INITIAL_ADVERTISE_PEER_URLS,"*) ;; *) echo "etcd-restore: INITIAL_CLUSTER must list this member as $ETCD_NAME=$ETCD_INITIAL_ADVERTISE_PEER_URLS" >&2; exit 1 ;; esac
@ETCDUTL@ snapshot status "$snapshot" >/dev/null || { echo "etcd-restore: $snapshot is not a usable snapshot" >&2; exit 1; }
rm -rf -- "$data.restoring"
@ETCDUTL@ snapshot restore "$snapshot" --name "$ETCD_NAME" --initial-cluster "$cluster" --initial-cluster-token "$ETCD_INITIAL_CLUSTER_TOKEN" --initial-advertise-peer-urls "$ETCD_INITIAL_ADVERTISE_PEER_URLS" --data-dir "$data.restoring" >&2
chmod 0700 "$data.restoring"
if [ -e "$data" ]; then mv -- "$data" "$data.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"; fi
mv -- "$data.restoring" "$data"
echo "etcd-restore: $ETCD_NAME restored from $snapshot; start etcd on every member"
