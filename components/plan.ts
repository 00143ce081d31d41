import { ClusterArgs, HostArgs, RegistryArgs, SshArgs, VersionsArgs } from "./config";
import { ControlPlanePlan, planControlPlane } from "./controlPlanePlan";
import { EtcdPlan, planEtcd } from "./etcdPlan";
import { LoadBalancerPlan, planLoadBalancer } from "./loadBalancerPlan";
import { NodePoolPlan, planNodePool } from "./nodePoolPlan";
import { planPreflight, PreflightPlan } from "./preflightPlan";
import { CONTROL_PLANE_TAINT, DEFAULTS, defaultHostCidr, prefixLength, resolveTopology } from "./topology";
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
    /** Where kubectl runs for the providers acting through the API: the first master. */
    readonly kubectlHost: string;
    /** The members (the masters, stacked, or the hosts with role etcd, dedicated), their URLs and SANs. */
    readonly etcd: EtcdPlan;
    /** The apiserver load balancer; its `endpoint` is where clients (kubelets, admins) reach the API. */
    readonly loadBalancer: LoadBalancerPlan;
    /** The masters, the apiservers' SANs and settings. */
    readonly controlPlane: ControlPlanePlan;
    /** Every node (the masters, then the workers that are not masters), the pod network, the rollout batch. */
    readonly nodes: NodePoolPlan;
    /** The host network (the VIP's prefix comes from it). */
    readonly hostCidr: string;
    readonly certificates: CertificatesPlan;
    /** Hosts that ran before this update (undefined: every host counts as running). */
    readonly runningHosts?: readonly string[];
    /** The SSH host keys connections require, by `address:port` (besides the pinned ones). */
    readonly sshHostKeys: Readonly<Record<string, string>>;
    readonly registry?: RegistryArgs;
    readonly addons: NonNullable<ClusterArgs["addons"]>;
    readonly artifacts: ClusterArgs["artifacts"];
    /** What each host must offer before anything is changed. */
    readonly preflight: PreflightPlan;
    /** Where hosts get Debian packages (the executor reads `signedByPath`). Default: their own sources. */
    readonly packages: NonNullable<ClusterArgs["packages"]>;
}

export interface CertificatesPlan {
    readonly caValidityHours: number;
    readonly validityHours: number;
    readonly earlyRenewalHours: number;
    readonly renewal?: string;
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

/** The plan of a valid configuration: the topology, then each component's slice from its one planning function. */
function resolvePlan(args: ClusterArgs): ClusterPlan {
    const t = resolveTopology(args);
    const net = args.network ?? {};
    const lb = args.loadBalancer ?? {};
    const certs = args.certificates ?? {};
    const hostCidr = net.hostCidr ?? defaultHostCidr(t.masters[0].address);
    const common = { backends: t.masters, port: lb.port, maxConnections: lb.maxConnections };
    const loadBalancer = planLoadBalancer(
        t.lbMode === "haproxy-keepalived"
            ? { ...common, mode: t.lbMode, vip: lb.vip ?? "", vipPrefixLength: prefixLength(hostCidr), interface: lb.interface, virtualRouterId: lb.virtualRouterId }
            : t.lbMode === "nginx"
              ? { ...common, mode: t.lbMode, lbHost: t.lbHosts[0] }
              : { ...common, mode: t.lbMode, externalAddress: lb.address ?? "" },
    );
    const podNetwork = net.podNetwork ?? DEFAULTS.podNetwork;
    const n = args.nodes ?? {};
    const nodes = planNodePool({
        clusterName: args.clusterName,
        maxUnavailable: args.rollout?.maxUnavailable,
        drain: args.rollout?.drain,
        // every master is a node too (tainted unless it also has role worker), so that apiservers reach pods
        nodes: [...t.masters, ...t.workers.filter((w) => !w.roles.includes("master"))].map((h) => {
            const master = h.roles.includes("master");
            return {
                ...h,
                controlPlane: master,
                taints: master && !h.roles.includes("worker") ? [CONTROL_PLANE_TAINT, ...(h.taints ?? [])] : h.taints,
            };
        }),
        podNetwork,
        podCidr: net.podCidr,
        nodeCidrMaskSize: net.nodeCidrMaskSize,
        serviceCidr: net.serviceCidr,
        clusterDomain: net.clusterDomain,
        clusterDns: net.clusterDns,
        flannelBackend: net.flannelBackend,
        registry: args.registry,
        ...n,
        // swap allowed by the preflight: the kubelet must run with it (the node's own settings still win)
        kubeletExtraConfig: args.preflight?.allowSwap ? { failSwapOn: false, ...(n.kubeletExtraConfig ?? {}) } : n.kubeletExtraConfig,
    });
    const etcd = planEtcd({ ...args.etcd, members: t.etcdMembers }, args.clusterName);
    const controlPlane = planControlPlane({
        clusterName: args.clusterName,
        masters: t.masters,
        endpointHost: loadBalancer.endpoint.host,
        endpointPort: loadBalancer.endpoint.port,
        serviceCidr: net.serviceCidr,
        podCidr: net.podCidr,
        clusterDomain: net.clusterDomain,
        // flannel and the CNIs users bring (podNetwork none) take node.spec.podCIDR; bridge blocks are Pulumi's
        allocateNodeCidrs: podNetwork !== "bridge",
        nodeCidrMaskSize: net.nodeCidrMaskSize,
        flannelUser: nodes.podNetwork.mode === "flannel" ? nodes.podNetwork.user : undefined,
        apiserver: {
            extraArgs: args.controlPlane?.apiserverExtraArgs,
            auditLogMaxAgeDays: args.controlPlane?.auditLogMaxAgeDays,
            serviceNodePortRange: args.controlPlane?.serviceNodePortRange,
            podSecurity: args.controlPlane?.podSecurity,
        },
        encryption: args.controlPlane?.encryption,
        adminGroup: args.controlPlane?.adminGroup,
        exportBreakGlassKubeconfig: args.controlPlane?.exportBreakGlassKubeconfig,
    });
    return {
        clusterName: args.clusterName,
        versions: args.versions,
        hosts: args.hosts,
        ssh: args.ssh,
        kubectlHost: t.masters[0].name,
        etcd,
        loadBalancer,
        controlPlane,
        nodes,
        hostCidr,
        certificates: {
            caValidityHours: certs.caValidityHours ?? DEFAULTS.caValidityHours,
            validityHours: certs.validityHours ?? DEFAULTS.validityHours,
            earlyRenewalHours: certs.earlyRenewalHours ?? DEFAULTS.earlyRenewalHours,
            renewal: certs.renewal,
        },
        runningHosts: args.runningHosts,
        sshHostKeys: args.sshHostKeys ?? {},
        registry: args.registry,
        addons: args.addons ?? {},
        artifacts: args.artifacts,
        packages: args.packages ?? { source: "host" },
        preflight: planPreflight({
            settings: args.preflight,
            masters: t.masters.map((m) => m.name),
            nodes: nodes.nodes,
            kernelModules: nodes.kernelModules,
            etcd,
            loadBalancer,
            apiserverPort: controlPlane.securePort,
        }),
    };
}
