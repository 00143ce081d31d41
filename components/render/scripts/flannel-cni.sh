#!/bin/sh
set -eu
env_file=@FLANNEL_SUBNET_FILE@
i=0
until [ -s "$env_file" ]; do i=$((i + 1)); [ "$i" -le 120 ] || { echo "flanneld wrote no $env_file" >&2; exit 1; }; sleep 1; done
# shellcheck source=/dev/null # what flanneld leased
. "$env_file"
: "${FLANNEL_SUBNET:?}" "${FLANNEL_MTU:=1450}"
# network address of FLANNEL_SUBNET (a.b.c.d/n, d the bridge's own address)
ip="${FLANNEL_SUBNET%/*}"; len="${FLANNEL_SUBNET#*/}"
IFS=. read -r a b c d <<EOF
$ip
EOF
n=$(( (a << 24) | (b << 16) | (c << 8) | d )); m=$(( (0xffffffff << (32 - len)) & 0xffffffff )); n=$(( n & m ))
net="$(( (n >> 24) & 255 )).$(( (n >> 16) & 255 )).$(( (n >> 8) & 255 )).$(( n & 255 ))/$len"
conf=@CNI_CONFLIST@
mkdir -p "$(dirname "$conf")"
# 0600, as every file ha-kubernetes writes
umask 077
cat > "$conf.tmp" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "ha-kubernetes",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": $FLANNEL_MTU,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$net" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
mv -f "$conf.tmp" "$conf"
