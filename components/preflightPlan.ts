import { HostRequirements, PortNeed, PREFLIGHT_MODULES } from "../lib/preflightChecks";
import { PreflightArgs } from "./config";
import { EtcdPlan } from "./etcdPlan";
import { LoadBalancerPlan } from "./loadBalancerPlan";

/** The OS releases ha-kubernetes installs on (`<ID> <VERSION_ID>` of /etc/os-release). */
export const SUPPORTED_OS = ["debian 12", "debian 13"] as const;

/** Floors by role, in MiB (a host with several roles takes the largest); kubeadm asks 1700 MB of a control-plane host. */
export const PREFLIGHT_DEFAULTS = {
    maxClockSkewMs: 2000,
    minMemoryMiB: { master: 1700, etcd: 1024, worker: 1024, lb: 256 },
    minVarLibFreeMiB: { master: 2048, etcd: 2048, worker: 2048, lb: 256 },
} as const;

/** The kubelet's ports on every node: its API (10250) and kube-proxy's health port (10256). */
const NODE_PORTS: readonly PortNeed[] = [
    { port: 10250, what: "kubelet", owners: ["kubelet"] },
    { port: 10256, what: "kube-proxy health", owners: ["kube-proxy"] },
];

/** What the preflight checks, decided once: each host's requirements by name, and the clock limit. */
export interface PreflightPlan {
    readonly maxClockSkewMs: number;
    readonly hosts: Readonly<Record<string, HostRequirements>>;
}

/** What the plan knows of the cluster that the preflight needs. */
export interface PreflightInputs {
    readonly settings?: PreflightArgs;
    readonly masters: readonly string[];
    /** Every kubelet host (masters included), with its KubeletConfiguration fields. */
    readonly nodes: readonly { readonly name: string; readonly kubeletExtraConfig: Readonly<Record<string, unknown>> }[];
    /** What nodes load at boot (nodes.kernelModules). */
    readonly kernelModules: readonly string[];
    readonly etcd: EtcdPlan;
    readonly loadBalancer: LoadBalancerPlan;
    readonly apiserverPort: number;
}

/** Each host's requirements from its roles. Pure. */
export function planPreflight(p: PreflightInputs): PreflightPlan {
    const s = p.settings ?? {};
    const roles = new Map<string, Set<keyof typeof PREFLIGHT_DEFAULTS.minMemoryMiB>>();
    const ports = new Map<string, PortNeed[]>();
    const add = (host: string, role: "master" | "etcd" | "worker" | "lb", need: readonly PortNeed[]) => {
        roles.set(host, (roles.get(host) ?? new Set()).add(role));
        ports.set(host, [...(ports.get(host) ?? []), ...need]);
    };
    for (const m of p.etcd.members)
        add(m.name, "etcd", [
            { port: p.etcd.clientPort, what: "etcd client", owners: ["etcd"] },
            { port: p.etcd.peerPort, what: "etcd peer", owners: ["etcd"] },
        ]);
    for (const m of p.masters)
        add(m, "master", [
            { port: p.apiserverPort, what: "kube-apiserver", owners: ["kube-apiserver"] },
            { port: 10257, what: "kube-controller-manager", owners: ["kube-controller-manager"] },
            { port: 10259, what: "kube-scheduler", owners: ["kube-scheduler"] },
        ]);
    for (const n of p.nodes) add(n.name, "worker", NODE_PORTS);
    const lb = p.loadBalancer;
    if (lb.mode === "haproxy-keepalived") for (const b of lb.backends) add(b.name, "lb", [{ port: lb.port, what: "the load balancer (haproxy)", owners: ["haproxy"] }]);
    if (lb.mode === "nginx") add(lb.lbHost.name, "lb", [{ port: lb.port, what: "the load balancer (nginx)", owners: ["nginx"] }]);
    const hosts: Record<string, HostRequirements> = {};
    for (const [host, rs] of roles) {
        const node = p.nodes.find((n) => n.name === host);
        const kubelet = node !== undefined;
        const floor = (t: Readonly<Record<string, number>>) => Math.max(...[...rs].map((r) => t[r]));
        hosts[host] = {
            supportedOs: [...SUPPORTED_OS],
            ports: mergePorts(ports.get(host) ?? []),
            // the modules the preflight knows how to find (overlay, br_netfilter) among those the nodes load
            modules: kubelet ? p.kernelModules.filter((m) => (PREFLIGHT_MODULES as readonly string[]).includes(m)) : [],
            kubelet,
            // the kubelet's own settings decide: it runs with swap when told not to fail on it,
            // and on cgroup v1 only when told not to fail on that
            allowSwap: (s.allowSwap ?? false) || node?.kubeletExtraConfig.failSwapOn === false,
            requireCgroupV2: kubelet && node.kubeletExtraConfig.failCgroupV1 !== false,
            minMemoryMiB: s.minMemoryMiB ?? floor(PREFLIGHT_DEFAULTS.minMemoryMiB),
            minVarLibFreeMiB: s.minVarLibFreeMiB ?? floor(PREFLIGHT_DEFAULTS.minVarLibFreeMiB),
        };
    }
    return { maxClockSkewMs: s.maxClockSkewMs ?? PREFLIGHT_DEFAULTS.maxClockSkewMs, hosts };
}

/** One need per port (a port two roles share keeps both owners), by port. */
function mergePorts(needs: readonly PortNeed[]): PortNeed[] {
    const by = new Map<number, PortNeed>();
    for (const n of needs) {
        const had = by.get(n.port);
        by.set(n.port, had ? { port: n.port, what: `${had.what}, ${n.what}`, owners: [...new Set([...had.owners, ...n.owners])] } : n);
    }
    return [...by.values()].sort((a, b) => a.port - b.port);
}
