#!/bin/sh
# keepalived track script (vrrp_script chk_apiserver).
set -u
# keepalived may start scripts with a minimal PATH: make sure the system directories are in it.
PATH=${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
PORT=@PORT@
VIP=@VIP@
VIP_PORT=@VIP_PORT@

fail() {
    echo "check_apiserver: $*" >&2
    exit 1
}

curl -sfk --max-time 2 -o /dev/null "https://127.0.0.1:${PORT}/readyz" \
    || fail "no answer from https://127.0.0.1:${PORT}/readyz"
if ip -4 -o addr show | grep -qF " ${VIP}/"; then
    curl -sfk --max-time 2 -o /dev/null "https://${VIP}:${VIP_PORT}/readyz" \
        || fail "no answer from https://${VIP}:${VIP_PORT}/readyz"
fi
exit 0
