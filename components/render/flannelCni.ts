import { FLANNEL_SUBNET_FILE } from "./flannel";
import { PATHS } from "./paths";
import { renderSystemdUnit } from "./systemd";
import { renderScriptFile } from "./scriptFile";

/** Where the static script lives on a node. */
export const FLANNEL_CNI_SCRIPT = "/usr/local/lib/ha-kubernetes/flannel-cni.sh";
export const FLANNEL_CNI_UNIT = "ha-kubernetes-flannel-cni";

/**
 * The pod network configuration in flannel mode, without flannel's own CNI plugin: once flanneld
 * has leased this node's subnet (subnet.env), write a bridge + host-local conflist for it. flanneld
 * does the masquerading (--ip-masq), so the bridge does not. Static; pure.
 */
export function renderFlannelCniScript(): string {
    return renderScriptFile("flannel-cni.sh", { FLANNEL_SUBNET_FILE: FLANNEL_SUBNET_FILE, CNI_CONFLIST: PATHS.node.cniConflist });
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
