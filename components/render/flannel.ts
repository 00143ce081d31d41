import { isIpv4, parseCidr } from "../../lib/address";
import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, renderFlags } from "./flags";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

/** Where flanneld writes this node's subnet lease; the flannel CNI plugin reads it (its default path). */
export const FLANNEL_SUBNET_FILE = "/run/flannel/subnet.env";

export interface FlannelNetConfSpec {
    /** The cluster pod CIDR (the controller-manager's --cluster-cidr); at most /28. */
    readonly network: string;
    /** Prefix length of each node's subnet (the controller-manager's --node-cidr-mask-size). Default 24. */
    readonly subnetLen?: number;
    /** `vxlan` (UDP 8472 between nodes, works across L3) or `host-gw` (routes; nodes must share an L2 segment). */
    readonly backend: "vxlan" | "host-gw";
}

/**
 * /etc/kube-flannel/net-conf.json (flannel v0.2x). JSON has no comments: no header. With the
 * Kubernetes subnet manager each node's subnet is its node.spec.podCIDR; Network and SubnetLen
 * must agree with the controller-manager. Pure.
 */
export function renderFlannelNetConf(spec: FlannelNetConfSpec): string {
    const net = parseCidr(spec.network);
    if (net.prefix > 28) throw new Error(`flannel network ${spec.network} is too small (at most /28)`);
    const subnetLen = spec.subnetLen ?? 24;
    if (!Number.isInteger(subnetLen) || subnetLen <= net.prefix || subnetLen > 30)
        throw new Error(`flannel subnetLen must be an integer in ${net.prefix + 1}-30 for ${spec.network}, got ${subnetLen}`);
    if (spec.backend !== "vxlan" && spec.backend !== "host-gw") throw new Error(`flannel backend must be vxlan or host-gw, got ${JSON.stringify(spec.backend)}`);
    return (
        JSON.stringify(
            {
                Network: spec.network,
                SubnetLen: subnetLen,
                Backend: spec.backend === "vxlan" ? { Type: "vxlan", VNI: 1, Port: 8472 } : { Type: "host-gw" },
            },
            null,
            2,
        ) + "\n"
    );
}

/** The static flanneld unit: `flanneld $FLANNELD_ARGS` with NODE_NAME from /etc/kubernetes/flanneld.env. Pure. */
export function renderFlanneldUnit(): string {
    return renderDaemonUnit({
        description: "flannel pod network (flanneld)",
        binary: PATHS.bin.flanneld,
        envFile: PATHS.node.flanneldEnv,
        argsVar: "FLANNELD_ARGS",
    });
}

export interface FlanneldEnvSpec {
    /** Kubernetes node name: the Kubernetes subnet manager reads this node's podCIDR (NODE_NAME). */
    readonly nodeName: string;
    /** Node IPv4 address or interface name used for traffic between nodes (--iface). */
    readonly iface: string;
    /** kubeconfig flanneld uses. Default /etc/kubernetes/flanneld.kubeconfig. */
    readonly kubeconfigPath?: string;
    /** Masquerade traffic leaving the pod network (--ip-masq). Default true. */
    readonly ipMasq?: boolean;
    /** More flanneld flags (name without `--`). */
    readonly extraArgs?: Readonly<Record<string, FlagValue>>;
}

/**
 * /etc/kubernetes/flanneld.env: NODE_NAME and FLANNELD_ARGS (--kube-subnet-mgr,
 * --kubeconfig-file, --iface, --ip-masq, --net-config-path, --subnet-file; flags of flanneld
 * v0.28). Pure.
 */
export function renderFlanneldEnv(spec: FlanneldEnvSpec): string {
    if (typeof spec.nodeName !== "string" || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(spec.nodeName))
        throw new Error(`flanneld nodeName ${JSON.stringify(spec.nodeName)} is not a DNS-1123 name`);
    if (!isIpv4(spec.iface) && !/^[A-Za-z0-9_.-]{1,15}$/.test(spec.iface ?? ""))
        throw new Error(`flanneld iface ${JSON.stringify(spec.iface)} is neither an IPv4 address nor an interface name`);
    const kubeconfig = spec.kubeconfigPath ?? PATHS.node.flanneldKubeconfig;
    if (!/^\/[A-Za-z0-9_./-]+$/.test(kubeconfig)) throw new Error(`flanneld kubeconfigPath ${JSON.stringify(kubeconfig)} must be an absolute path`);
    const managed = ["kube-subnet-mgr", "kubeconfig-file", "iface", "ip-masq", "net-config-path", "subnet-file"];
    const extra = Object.entries(spec.extraArgs ?? {});
    for (const [name] of extra) if (managed.includes(name)) throw new Error(`flanneld flag --${name} is managed by ha-kubernetes`);
    return renderEnvFile([
        ["NODE_NAME", spec.nodeName],
        [
            "FLANNELD_ARGS",
            renderFlags([
                ["kube-subnet-mgr", true],
                ["kubeconfig-file", kubeconfig],
                ["iface", spec.iface],
                ["ip-masq", spec.ipMasq ?? true],
                ["net-config-path", PATHS.node.flannelNetConf],
                ["subnet-file", FLANNEL_SUBNET_FILE],
                ...extra,
            ]),
        ],
    ]);
}
