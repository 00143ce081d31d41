import { cidrContains, parseCidr } from "../../lib/address";

/**
 * CNI network configurations for containerd's CRI plugin. JSON has no comments, so these files
 * carry no ha-kubernetes header; their network `name` is `ha-kubernetes`.
 *
 * Versions: Debian bookworm's containernetworking-plugins 1.1.1 (bridge, host-local, portmap,
 * loopback in /usr/lib/cni) support CNI spec 0.1.0-1.0.0 (checked with CNI_COMMAND=VERSION), so
 * the bridge network uses 1.0.0. The flannel plugin is not in that package (the lead installs
 * it); its list uses 0.3.1, as upstream's kube-flannel manifest does.
 */

/** The network name of every conflist written here. */
export const CNI_NETWORK_NAME = "ha-kubernetes";

export interface BridgeConflistSpec {
    /** This node's pod CIDR; host-local hands out addresses from it, the bridge gets the first. */
    readonly podCidr: string;
    /** Linux bridge name. Default `cni0`. */
    readonly bridgeName?: string;
    /** MTU of the bridge and veths (576–9216). Default: the plugin's (the default route interface's). */
    readonly mtu?: number;
    /**
     * Masquerade traffic from pods to destinations outside `podCidr` (so pods reach addresses that
     * have no route back to pod CIDRs). Note that this also SNATs pod-to-pod traffic to other
     * nodes to the node address: the bridge plugin cannot exclude the cluster range. Default true.
     */
    readonly ipMasq?: boolean;
    /** The cluster pod range; when given, `podCidr` must lie inside it. */
    readonly clusterCidr?: string;
}

/** bridge (gateway, hairpin, host-local IPAM, default route) + portmap, CNI spec 1.0.0. Pure. */
export function renderBridgeConflist(spec: BridgeConflistSpec): string {
    const pod = parseCidr(spec.podCidr);
    if (pod.prefix > 30) throw new Error(`pod CIDR ${spec.podCidr} is too small for a bridge network (at most /30)`);
    if (spec.clusterCidr !== undefined) {
        const cluster = parseCidr(spec.clusterCidr);
        if (pod.prefix < cluster.prefix || !cidrContains(spec.clusterCidr, spec.podCidr.split("/")[0]))
            throw new Error(`pod CIDR ${spec.podCidr} is not inside the cluster CIDR ${spec.clusterCidr}`);
    }
    const bridge = spec.bridgeName ?? "cni0";
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new Error(`bridge name ${JSON.stringify(bridge)} is not an interface name`);
    if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 576 || spec.mtu > 9216)) throw new Error(`bridge mtu must be an integer 576-9216, got ${spec.mtu}`);
    return (
        JSON.stringify(
            {
                cniVersion: "1.0.0",
                name: CNI_NETWORK_NAME,
                plugins: [
                    {
                        type: "bridge",
                        bridge,
                        isGateway: true,
                        ipMasq: spec.ipMasq ?? true,
                        hairpinMode: true,
                        ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
                        ipam: {
                            type: "host-local",
                            ranges: [[{ subnet: spec.podCidr }]],
                            routes: [{ dst: "0.0.0.0/0" }],
                        },
                    },
                    { type: "portmap", capabilities: { portMappings: true } },
                ],
            },
            null,
            2,
        ) + "\n"
    );
}

/** /etc/cni/net.d/99-loopback.conf: the loopback network (CNI spec 1.0.0). Pure. */
export function renderLoopbackConf(): string {
    return JSON.stringify({ cniVersion: "1.0.0", name: "lo", type: "loopback" }, null, 2) + "\n";
}

export interface FlannelConflistSpec {
    /** Let a pod reach itself through a Service (bridge hairpin). Default true. */
    readonly hairpinMode?: boolean;
    /** Pods' default route via the bridge. Default true. */
    readonly isDefaultGateway?: boolean;
}

/**
 * The flannel CNI list: the `flannel` plugin reads /run/flannel/subnet.env (written by flanneld)
 * and delegates to bridge + host-local; plus portmap. CNI spec 0.3.1. Pure.
 */
export function renderFlannelConflist(spec: FlannelConflistSpec = {}): string {
    return (
        JSON.stringify(
            {
                cniVersion: "0.3.1",
                name: CNI_NETWORK_NAME,
                plugins: [
                    { type: "flannel", delegate: { hairpinMode: spec.hairpinMode ?? true, isDefaultGateway: spec.isDefaultGateway ?? true } },
                    { type: "portmap", capabilities: { portMappings: true } },
                ],
            },
            null,
            2,
        ) + "\n"
    );
}
