import { HostsEntry } from "./render/hostsEntries";
import { PodNetworkMode, RegistryArgs, TaintArgs } from "./config";
import { FLANNEL_CNI_UNIT } from "./render/flannelCni";
import { rolloutBatchSize } from "./rollout";
import { clusterDnsIp, DEFAULTS, Member, member } from "./topology";

/** A node's own settings, beside its host. */
/** Kernel modules a node loads at boot unless `nodes.kernelModules` says otherwise. */
export const DEFAULT_KERNEL_MODULES: readonly string[] = ["overlay", "br_netfilter"];

export interface NodeSettings {
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly TaintArgs[];
    /** Pinned pod CIDR (bridge mode). */
    readonly podCidr?: string;
    /** KubeletConfiguration fields for this node only (over the pool's kubeletExtraConfig). */
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
    /**
     * The host runs the control plane too (a master as a node, so that apiservers reach pods):
     * the cluster CA file and kubectl, which the control plane installs there, are left to it,
     * and the Node gets the control-plane role label. Default false.
     */
    readonly controlPlane?: boolean;
}

/** What a pool of nodes is configured with; `H` is the host type (a ClusterHost for the component). */
export interface NodePoolSettings<H extends Member = Member> {
    readonly clusterName: string;
    /** Running nodes restarted at once: a count or a percentage of the nodes ("25%"). Default 1. */
    readonly maxUnavailable?: number | string;
    /** Cordon and drain a running node through the API before its restart, uncordon it after its Ready gate. Default true. */
    readonly drain?: boolean;
    /** The nodes (declaration order decides unpinned pod CIDRs at the first `up`; later ones keep theirs). */
    readonly nodes: readonly (H & NodeSettings)[];
    /** `bridge`, `flannel` or `none` (the user's CNI). Default bridge. */
    readonly podNetwork?: PodNetworkMode;
    /** Default 10.244.0.0/16. */
    readonly podCidr?: string;
    /** Default 24. */
    readonly nodeCidrMaskSize?: number;
    /** Default 10.96.0.0/12. */
    readonly serviceCidr?: string;
    /** Default cluster.local. */
    readonly clusterDomain?: string;
    /** Default: 10th address of serviceCidr. */
    readonly clusterDns?: string;
    /** Default vxlan. */
    readonly flannelBackend?: "vxlan" | "host-gw";
    /** User name (cert CN) flanneld authenticates as. Default `ha-kubernetes:flannel`. */
    readonly flannelUser?: string;
    /** A private registry containerd pulls from (its CA given as `caPem` or read from `caPemPath`). */
    readonly registry?: RegistryArgs;
    /** Pod sandbox image. Default: containerd's. */
    readonly sandboxImage?: string;
    /** Default systemd. */
    readonly cgroupDriver?: "systemd" | "cgroupfs";
    /** Default iptables. */
    readonly proxyMode?: "iptables" | "ipvs" | "nftables";
    readonly conntrackMaxPerCore?: number;
    readonly kubeletExtraConfig?: Readonly<Record<string, unknown>>;
    readonly kernelModules?: readonly string[];
    /** Clamp containers' oom_score_adj to containerd's. Default false. */
    readonly restrictOomScoreAdj?: boolean;
    /**
     * Container image archives (OCI or docker `save` tar files on the machine running Pulumi)
     * uploaded to every node and imported into containerd before the kubelet starts: images for
     * air-gapped nodes (pause, CoreDNS, your own). Default none.
     */
    readonly imageArchives?: readonly string[];
    /** Lines kept in every node's /etc/hosts (ha-kubernetes' block). Default none. */
    readonly extraHosts?: readonly HostsEntry[];
    /** Seconds a health gate waits. Default 240. */
    readonly healthTimeoutSec?: number;
}

export const FLANNEL_USER = "ha-kubernetes:flannel";

/** Debian packages a node needs. */
export const NODE_PACKAGES = ["containerd", "runc", "containernetworking-plugins", "conntrack", "iptables", "iproute2", "kmod", "curl", "ca-certificates"];

/** Extra packages a kube-proxy mode needs. */
export const PROXY_MODE_PACKAGES: Readonly<Record<string, readonly string[]>> = { iptables: [], ipvs: ["ipset", "ipvsadm"], nftables: ["nftables"] };

/** The unit that installs the routes to other nodes' pod blocks (bridge mode). */
export const POD_ROUTES_UNIT = "ha-kubernetes-pod-routes";

/** The pod network, one variant per mode. */
export type PodNetworkPlan = { readonly mode: "bridge" } | { readonly mode: "flannel"; readonly backend: "vxlan" | "host-gw"; readonly user: string } | { readonly mode: "none" };

/** A node as decided. */
export interface NodePlan extends Member {
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly TaintArgs[];
    readonly podCidr?: string;
    readonly controlPlane: boolean;
    /** The pool's kubeletExtraConfig with the node's own over it. */
    readonly kubeletExtraConfig: Readonly<Record<string, unknown>>;
    /** Binaries it gets (a master has kubectl from the control plane). */
    readonly binaries: readonly string[];
}

/** A pool of nodes as decided, every default applied. */
export interface NodePoolPlan {
    readonly clusterName: string;
    readonly nodes: readonly NodePlan[];
    readonly podNetwork: PodNetworkPlan;
    readonly podCidr: string;
    readonly nodeCidrMaskSize: number;
    readonly serviceCidr: string;
    readonly clusterDomain: string;
    /** The cluster DNS Service address kubelets give pods. */
    readonly clusterDns: string;
    /** Running nodes restarted at once (from maxUnavailable and the node count). */
    readonly batchSize: number;
    readonly drain: boolean;
    readonly registry?: RegistryArgs;
    readonly sandboxImage?: string;
    readonly cgroupDriver: "systemd" | "cgroupfs";
    readonly proxyMode: "iptables" | "ipvs" | "nftables";
    readonly conntrackMaxPerCore?: number;
    readonly restrictOomScoreAdj?: boolean;
    /** Loaded at boot; the preflight requires them. */
    readonly kernelModules: readonly string[];
    readonly imageArchives: readonly string[];
    /** ha-kubernetes' lines in every node's /etc/hosts; none: the file is not touched. */
    readonly extraHosts: readonly HostsEntry[];
    /** Debian packages every node gets. */
    readonly packages: readonly string[];
    /** Units (re)started in this order on every node's restart (containerd first). */
    readonly restartOrder: readonly string[];
    /** Units enabled and drift-checked on every node (containerd is the package's own). */
    readonly units: readonly string[];
    readonly healthTimeoutSec: number;
}

/** The one derivation of the nodes' decisions. Pure. */
export function planNodePool(s: NodePoolSettings): NodePoolPlan {
    const serviceCidr = s.serviceCidr ?? DEFAULTS.serviceCidr;
    const mode = s.podNetwork ?? DEFAULTS.podNetwork;
    const podNetwork: PodNetworkPlan = mode === "flannel" ? { mode, backend: s.flannelBackend ?? DEFAULTS.flannelBackend, user: s.flannelUser ?? FLANNEL_USER } : { mode };
    const proxyMode = s.proxyMode ?? DEFAULTS.proxyMode;
    return {
        clusterName: s.clusterName,
        nodes: s.nodes.map((n) => ({
            ...member(n),
            labels: n.labels,
            taints: n.taints,
            podCidr: n.podCidr,
            controlPlane: n.controlPlane ?? false,
            kubeletExtraConfig: { ...(s.kubeletExtraConfig ?? {}), ...(n.kubeletExtraConfig ?? {}) },
            binaries: ["kubelet", "kube-proxy", ...(n.controlPlane ? [] : ["kubectl"]), ...(mode === "flannel" ? ["flanneld"] : [])],
        })),
        podNetwork,
        podCidr: s.podCidr ?? DEFAULTS.podCidr,
        nodeCidrMaskSize: s.nodeCidrMaskSize ?? DEFAULTS.nodeCidrMaskSize,
        serviceCidr,
        clusterDomain: s.clusterDomain ?? DEFAULTS.clusterDomain,
        clusterDns: clusterDnsIp(serviceCidr, s.clusterDns),
        batchSize: rolloutBatchSize(s.maxUnavailable, s.nodes.length),
        drain: s.drain ?? true,
        registry: s.registry,
        sandboxImage: s.sandboxImage,
        cgroupDriver: s.cgroupDriver ?? DEFAULTS.cgroupDriver,
        proxyMode,
        conntrackMaxPerCore: s.conntrackMaxPerCore,
        restrictOomScoreAdj: s.restrictOomScoreAdj,
        kernelModules: s.kernelModules ?? DEFAULT_KERNEL_MODULES,
        imageArchives: s.imageArchives ?? [],
        extraHosts: s.extraHosts ?? [],
        packages: [...NODE_PACKAGES, ...PROXY_MODE_PACKAGES[proxyMode]],
        // flanneld leases the subnet of its Node object, which exists once kubelet registered
        restartOrder: ["containerd", "kubelet", "kube-proxy", ...(mode === "flannel" ? ["flanneld", FLANNEL_CNI_UNIT] : [])],
        units: ["kubelet", "kube-proxy", ...(mode === "flannel" ? ["flanneld", FLANNEL_CNI_UNIT] : []), ...(mode === "bridge" ? [POD_ROUTES_UNIT] : [])],
        healthTimeoutSec: s.healthTimeoutSec ?? 240,
    };
}
