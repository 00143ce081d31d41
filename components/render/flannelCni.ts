import { hashHeader } from "./header";
import { FLANNEL_SUBNET_FILE } from "./flannel";
import { PATHS } from "./paths";
import { renderSystemdUnit } from "./systemd";

/** Where the static script lives on a node. */
export const FLANNEL_CNI_SCRIPT = "/usr/local/lib/ha-kubernetes/flannel-cni.sh";
export const FLANNEL_CNI_UNIT = "ha-kubernetes-flannel-cni";

/**
 * The pod network configuration in flannel mode, without flannel's own CNI plugin: once flanneld
 * has leased this node's subnet (subnet.env), write a bridge + host-local conflist for it. flanneld
 * does the masquerading (--ip-masq), so the bridge does not. Static; pure.
 */
export function renderFlannelCniScript(): string {
    return [
        "#!/bin/sh",
        hashHeader().trimEnd(),
        "set -eu",
        `env_file=${FLANNEL_SUBNET_FILE}`,
        "i=0",
        'until [ -s "$env_file" ]; do i=$((i + 1)); [ "$i" -le 120 ] || { echo "flanneld wrote no $env_file" >&2; exit 1; }; sleep 1; done',
        '. "$env_file"',
        ': "${FLANNEL_SUBNET:?}" "${FLANNEL_MTU:=1450}"',
        "# network address of FLANNEL_SUBNET (a.b.c.d/n, d the bridge's own address)",
        'ip="${FLANNEL_SUBNET%/*}"; len="${FLANNEL_SUBNET#*/}"',
        "IFS=. read -r a b c d <<EOF",
        "$ip",
        "EOF",
        "n=$(( (a << 24) | (b << 16) | (c << 8) | d )); m=$(( (0xffffffff << (32 - len)) & 0xffffffff )); n=$(( n & m ))",
        'net="$(( (n >> 24) & 255 )).$(( (n >> 16) & 255 )).$(( (n >> 8) & 255 )).$(( n & 255 ))/$len"',
        `conf=${PATHS.node.cniConflist}`,
        'mkdir -p "$(dirname "$conf")"',
        'cat > "$conf.tmp" <<EOF',
        "{",
        '  "cniVersion": "1.0.0",',
        '  "name": "ha-kubernetes",',
        '  "plugins": [',
        '    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": $FLANNEL_MTU,',
        '      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$net" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },',
        '    { "type": "portmap", "capabilities": { "portMappings": true } }',
        "  ]",
        "}",
        "EOF",
        'mv -f "$conf.tmp" "$conf"',
        "",
    ].join("\n");
}

/** Runs the script after flanneld (re)starts (PartOf: a flanneld restart restarts it); removes the conflist when stopped. Static; pure. */
export function renderFlannelCniUnit(): string {
    return renderSystemdUnit({
        sections: [
            {
                name: "Unit",
                directives: [
                    ["Description", "Pod network configuration from flannel's subnet lease"],
                    ["After", "flanneld.service"],
                    ["Requires", "flanneld.service"],
                    ["PartOf", "flanneld.service"],
                ],
            },
            {
                name: "Service",
                directives: [
                    ["Type", "oneshot"],
                    ["RemainAfterExit", true],
                    ["ExecStart", `/bin/sh ${FLANNEL_CNI_SCRIPT}`],
                    ["ExecStop", `/bin/rm -f ${PATHS.node.cniConflist}`],
                    // at boot flanneld may wait for kubelet to register the Node before it leases a subnet
                    ["Restart", "on-failure"],
                    ["RestartSec", 5],
                ],
            },
            { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
    });
}
