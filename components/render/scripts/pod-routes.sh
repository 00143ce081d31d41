#!/bin/sh
# Routes to other nodes' pod CIDRs (bridge pod network), read from POD_ROUTES:
#   POD_ROUTES="CIDR,GATEWAY CIDR,GATEWAY ..."
# usage: pod-routes.sh up|down
set -eu
set -f
PATH=${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
PROTO=@PROTO@

# CIDR,GATEWAY with only digits, dots, one slash and one comma.
valid_entry() {
    case "$1" in
        *[!0-9./,]* | *,*,* | */*/* ) return 1 ;;
        [0-9]*.[0-9]*.[0-9]*.[0-9]*/[0-9]*,[0-9]*.[0-9]*.[0-9]*.[0-9]* ) return 0 ;;
        * ) return 1 ;;
    esac
}

up() {
    rc=0
    wanted=' '
    for entry in ${POD_ROUTES:-}; do
        if ! valid_entry "$entry"; then
            echo "pod-routes: malformed entry '$entry'" >&2
            rc=1
            continue
        fi
        cidr=${entry%,*}
        via=${entry#*,}
        if ip -4 route replace "$cidr" via "$via" proto "$PROTO"; then
            wanted="$wanted$cidr "
        else
            echo "pod-routes: cannot route $cidr via $via" >&2
            rc=1
        fi
    done
    # Remove our routes that are no longer listed.
    for dst in $(ip -4 route show proto "$PROTO" | cut -d ' ' -f 1); do
        case "$wanted" in
            *" $dst "* | *" $dst/32 "* ) ;;
            * ) ip -4 route del "$dst" proto "$PROTO" || rc=1 ;;
        esac
    done
    return "$rc"
}

down() {
    ip -4 route flush proto "$PROTO"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
