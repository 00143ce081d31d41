import { ClusterArgs, EtcdTopology, HostArgs, NodeArgs, RegistryArgs, SshArgs, TaintArgs, VersionsArgs } from "./config";
import { DEFAULT_MAX_UNAVAILABLE, rolloutBatchSize } from "./rollout";
import { clusterDnsIp, CONTROL_PLANE_TAINT, DEFAULTS, defaultHostCidr, EtcdPeer, etcdPeers, kubernetesServiceIp, prefixLength, resolveTopology } from "./topology";
import { Problem, problemsError, validateCluster, ValidationEnv } from "./validation";

/**
 * The cluster as decided, before any resource exists: `planCluster` validates the configuration
 * (stack config or library arguments, as `ClusterArgs`), applies every default and resolves the
 * topology — who runs what, every address, port, peer list and endpoint — once. The executor
 * (components/cluster.ts) turns a plan into components and never re-derives what is here.
 * Mode-dependent settings are variants of a discriminated union. Pure.
 *
 * What the plan does not hold: binaries' checksums from a local SHA256SUMS and the user's
 * manifest files (read from disk by the executor), and connections (Pulumi Inputs built from
 * `hosts` and `ssh`).
 */
export interface ClusterPlan {
    readonly clusterName: string;
    readonly versions: VersionsArgs;
    /** Every host as declared (declaration order), with the SSH defaults they override. */
    readonly hosts: readonly HostArgs[];
    readonly ssh: SshArgs;
    /** Hosts with role master, in declaration order (every master is also a node). */
    readonly masters: readonly HostArgs[];
    /** Where kubectl runs for the providers acting through the API: the first master. */
    readonly kubectlHost: string;
    readonly etcd: EtcdPlan;
    readonly loadBalancer: LoadBalancerPlan;
    /** The address and port clients (kubelets, admins) use for the API: the load balancer's. */
    readonly apiserver: { readonly host: string; readonly port: number; readonly url: string };
    readonly network: NetworkPlan;
    /** Every node: the masters, then the workers that are not masters. */
    readonly nodes: readonly NodePlan[];
    readonly certificates: CertificatesPlan;
    readonly rollout: RolloutPlan;
    /** Hosts that ran before this update (undefined: every host counts as running). */
    readonly runningHosts?: readonly string[];
    /** Pass-through settings the components default themselves. */
    readonly nodeSettings: NodeArgs;
    readonly registry?: RegistryArgs;
    readonly controlPlane: NonNullable<ClusterArgs["controlPlane"]>;
    readonly addons: NonNullable<ClusterArgs["addons"]>;
    readonly artifacts: ClusterArgs["artifacts"];
}

export interface EtcdPlan {
    readonly topology: EtcdTopology;
    /** The members: the masters (stacked) or the hosts with role etcd (dedicated). */
    readonly members: readonly HostArgs[];
    readonly peers: readonly EtcdPeer[];
    readonly clientPort: number;
    readonly peerPort: number;
    readonly keepDataOnDestroy?: boolean;
    readonly allowSingleMember?: boolean;
    readonly snapshotCopyDirectory?: string;
}

/** The apiserver load balancer, one variant per mode. */
export type LoadBalancerPlan =
    | {
          readonly mode: "haproxy-keepalived";
          readonly vip: string;
          /** Prefix length of the host network, for the VIP's `/n`. */
          readonly vipPrefixLength: number;
          readonly interface?: string;
          readonly virtualRouterId?: number;
          readonly port: number;
          readonly maxConnections?: number;
      }
    | { readonly mode: "nginx"; readonly host: HostArgs; readonly port: number; readonly maxConnections?: number }
    | { readonly mode: "external"; readonly address: string; readonly port: number; readonly maxConnections?: number };

/** The pod network, one variant per mode. */
export type PodNetworkPlan = { readonly mode: "bridge" } | { readonly mode: "flannel"; readonly backend?: "vxlan" | "host-gw" } | { readonly mode: "none" };

export interface NetworkPlan {
    readonly serviceCidr: string;
    readonly podCidr: string;
    /** As configured (components default it to 24). */
    readonly nodeCidrMaskSize?: number;
    readonly hostCidr: string;
    readonly clusterDomain: string;
    /** The cluster DNS Service address (the 10th of the service range unless set). */
    readonly clusterDns: string;
    /** Whether `clusterDns` was set (kubelets get it as given). */
    readonly clusterDnsSet: boolean;
    /** The `kubernetes` Service address (the first of the service range). */
    readonly kubernetesServiceIp: string;
    readonly podNetwork: PodNetworkPlan;
}

/** A node: its host's name, address and node settings, plus what the plan decided. */
export interface NodePlan extends Pick<HostArgs, "name" | "address" | "labels" | "podCidr" | "kubeletExtraConfig"> {
    /** A master: labelled node-role.kubernetes.io/control-plane, tainted unless also a worker. */
    readonly controlPlane: boolean;
    /** The taints it gets (a master without role worker: the control-plane taint first). */
    readonly taints?: readonly TaintArgs[];
}

export interface CertificatesPlan {
    readonly caValidityHours: number;
    readonly validityHours: number;
    readonly earlyRenewalHours: number;
    readonly renewal?: string;
}

export interface RolloutPlan {
    readonly maxUnavailable: number | string;
    /** Nodes restarted at once during a roll (from maxUnavailable and the node count). */
    readonly nodeBatchSize: number;
    readonly drain: boolean;
}

export type PlanResult = { readonly ok: true; readonly plan: ClusterPlan } | { readonly ok: false; readonly problems: readonly Problem[] };

/** Validates `args` (all problems at once) and, when there are none, decides the whole cluster. Pure but for `env`'s file checks. */
export function planCluster(args: ClusterArgs, env?: ValidationEnv): PlanResult {
    const problems = validateCluster(args, env);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, plan: resolvePlan(args) };
}

/** The plan, or one `pulumi.InputPropertiesError` (from `what`) listing every problem. */
export function assertPlanned(what: string, result: PlanResult): ClusterPlan {
    if (result.ok) return result.plan;
    throw problemsError(what, result.problems);
}

/** The plan of a valid configuration. */
function resolvePlan(args: ClusterArgs): ClusterPlan {
    const t = resolveTopology(args);
    const net = args.network ?? {};
    const lb = args.loadBalancer ?? {};
    const certs = args.certificates ?? {};
    const serviceCidr = net.serviceCidr ?? DEFAULTS.serviceCidr;
    const hostCidr = net.hostCidr ?? defaultHostCidr(t.masters[0].address);
    const etcd = {
        topology: t.etcdTopology,
        members: t.etcdMembers,
        clientPort: args.etcd?.clientPort ?? DEFAULTS.etcdClientPort,
        peerPort: args.etcd?.peerPort ?? DEFAULTS.etcdPeerPort,
    };
    const nodeHosts = [...t.masters, ...t.workers.filter((w) => !w.roles.includes("master"))];
    const podNetwork = net.podNetwork ?? DEFAULTS.podNetwork;
    return {
        clusterName: args.clusterName,
        versions: args.versions,
        hosts: args.hosts,
        ssh: args.ssh,
        masters: t.masters,
        kubectlHost: t.masters[0].name,
        etcd: {
            ...etcd,
            peers: etcdPeers(etcd.members, etcd.peerPort, etcd.clientPort),
            keepDataOnDestroy: args.etcd?.keepDataOnDestroy,
            allowSingleMember: args.etcd?.allowSingleMember,
            snapshotCopyDirectory: args.etcd?.snapshotCopyDirectory,
        },
        loadBalancer:
            t.lbMode === "haproxy-keepalived"
                ? {
                      mode: t.lbMode,
                      vip: t.apiserverHost,
                      vipPrefixLength: prefixLength(hostCidr),
                      interface: lb.interface,
                      virtualRouterId: lb.virtualRouterId,
                      port: t.apiserverPort,
                      maxConnections: lb.maxConnections,
                  }
                : t.lbMode === "nginx"
                  ? { mode: t.lbMode, host: t.lbHosts[0], port: t.apiserverPort, maxConnections: lb.maxConnections }
                  : { mode: t.lbMode, address: t.apiserverHost, port: t.apiserverPort, maxConnections: lb.maxConnections },
        apiserver: { host: t.apiserverHost, port: t.apiserverPort, url: t.apiserverUrl },
        network: {
            serviceCidr,
            podCidr: net.podCidr ?? DEFAULTS.podCidr,
            nodeCidrMaskSize: net.nodeCidrMaskSize,
            hostCidr,
            clusterDomain: net.clusterDomain ?? DEFAULTS.clusterDomain,
            clusterDns: clusterDnsIp(serviceCidr, net.clusterDns),
            clusterDnsSet: net.clusterDns !== undefined,
            kubernetesServiceIp: kubernetesServiceIp(serviceCidr),
            podNetwork: podNetwork === "flannel" ? { mode: podNetwork, backend: net.flannelBackend } : { mode: podNetwork },
        },
        nodes: nodeHosts.map((h) => {
            const master = h.roles.includes("master");
            return {
                name: h.name,
                address: h.address,
                controlPlane: master,
                labels: h.labels,
                taints: master && !h.roles.includes("worker") ? [CONTROL_PLANE_TAINT, ...(h.taints ?? [])] : h.taints,
                podCidr: h.podCidr,
                kubeletExtraConfig: h.kubeletExtraConfig,
            };
        }),
        certificates: {
            caValidityHours: certs.caValidityHours ?? DEFAULTS.caValidityHours,
            validityHours: certs.validityHours ?? DEFAULTS.validityHours,
            earlyRenewalHours: certs.earlyRenewalHours ?? DEFAULTS.earlyRenewalHours,
            renewal: certs.renewal,
        },
        rollout: {
            maxUnavailable: args.rollout?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
            nodeBatchSize: rolloutBatchSize(args.rollout?.maxUnavailable, nodeHosts.length),
            drain: args.rollout?.drain ?? true,
        },
        runningHosts: args.runningHosts,
        nodeSettings: args.nodes ?? {},
        registry: args.registry,
        controlPlane: args.controlPlane ?? {},
        addons: args.addons ?? {},
        artifacts: args.artifacts,
    };
}
