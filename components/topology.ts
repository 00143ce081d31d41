import { cidrContains, nthAddress, parseCidr } from "../lib/address";
import { ClusterArgs, EtcdTopology, HostArgs, LoadBalancerMode, PodNetworkMode, TaintArgs } from "./config";

/**
 * Pure topology math: who runs what, which addresses and blocks they get. Everything here is
 * deterministic in the stack configuration and keyed by host name, never by array position
 * (except the first pod CIDR allocation, which follows declaration order unless pinned; later
 * ones keep what the stack's state recorded, see providers/podCidrAllocation.ts).
 */

export const DEFAULTS = {
    serviceCidr: "10.96.0.0/12",
    podCidr: "10.244.0.0/16",
    nodeCidrMaskSize: 24,
    clusterDomain: "cluster.local",
    podNetwork: "bridge" as PodNetworkMode,
    flannelBackend: "vxlan" as const,
    lbMode: "haproxy-keepalived" as LoadBalancerMode,
    haproxyPort: 8443,
    apiserverPort: 6443,
    keepalivedInterface: "eth0",
    virtualRouterId: 51,
    etcdTopology: "stacked" as EtcdTopology,
    etcdClientPort: 2379,
    etcdPeerPort: 2380,
    caValidityHours: 87600,
    validityHours: 8760,
    earlyRenewalHours: 720,
    cgroupDriver: "systemd" as const,
    proxyMode: "iptables" as const,
    sshUser: "root",
    sshPort: 22,
} as const;

/** The label and the NoSchedule taint of control-plane nodes (as kubeadm sets them). */
export const CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane";
export const CONTROL_PLANE_TAINT: TaintArgs = { key: CONTROL_PLANE_ROLE, effect: "NoSchedule" };

/** A host with a resolved role set. */
export interface Member {
    readonly name: string;
    readonly address: string;
}

/** Name and address only (a plan holds no connections). */
export function member(h: Member): Member {
    return { name: h.name, address: h.address };
}

export interface EtcdPeer extends Member {
    readonly peerUrl: string;
    readonly clientUrl: string;
}

/** The resolved shape of the cluster: who is master, etcd member, worker, LB (the plan, components/plan.ts, decides the rest). */
export interface Topology {
    readonly masters: readonly HostArgs[];
    readonly etcdMembers: readonly HostArgs[];
    readonly workers: readonly HostArgs[];
    readonly lbHosts: readonly HostArgs[];
    readonly etcdTopology: EtcdTopology;
    readonly lbMode: LoadBalancerMode;
}

function hasRole(h: HostArgs, role: string): boolean {
    return (h.roles ?? []).includes(role as never);
}

/** Splits hosts into roles. Stacked topology puts etcd on exactly the masters. */
export function resolveTopology(args: ClusterArgs): Topology {
    const masters = args.hosts.filter((h) => hasRole(h, "master"));
    const etcdTopology = args.etcd?.topology ?? DEFAULTS.etcdTopology;
    const etcdMembers = etcdTopology === "stacked" ? masters : args.hosts.filter((h) => hasRole(h, "etcd"));
    const workers = args.hosts.filter((h) => hasRole(h, "worker"));
    const lbHosts = args.hosts.filter((h) => hasRole(h, "lb"));
    const lbMode = args.loadBalancer?.mode ?? DEFAULTS.lbMode;
    return { masters, etcdMembers, workers, lbHosts, etcdTopology, lbMode };
}

/** etcd peers with their URLs, in declaration order. */
export function etcdPeers(members: readonly Member[], peerPort: number = DEFAULTS.etcdPeerPort, clientPort: number = DEFAULTS.etcdClientPort): EtcdPeer[] {
    return members.map((m) => ({
        name: m.name,
        address: m.address,
        peerUrl: `https://${m.address}:${peerPort}`,
        clientUrl: `https://${m.address}:${clientPort}`,
    }));
}

/** The `--initial-cluster` value: `name=peerUrl,...`. */
export function initialClusterString(peers: readonly EtcdPeer[]): string {
    return peers.map((p) => `${p.name}=${p.peerUrl}`).join(",");
}

/** Minimum number of members that must stay healthy. */
export function etcdQuorum(size: number): number {
    return Math.floor(size / 2) + 1;
}

/** The first address of the service range: the `kubernetes` Service ClusterIP. */
export function kubernetesServiceIp(serviceCidr: string): string {
    return nthAddress(serviceCidr, 1);
}

/** The cluster DNS ClusterIP: the 10th address of the service range unless set. */
export function clusterDnsIp(serviceCidr: string, explicit?: string): string {
    return explicit ?? nthAddress(serviceCidr, 10);
}

export interface Sans {
    readonly dnsNames: string[];
    readonly ipAddresses: string[];
}

/** Subject alternative names of the apiserver certificate. Sorted, de-duplicated. */
export function apiserverSans(input: {
    readonly masters: readonly Member[];
    readonly serviceCidr: string;
    readonly clusterDomain: string;
    readonly apiserverHost: string;
    readonly extraSans?: readonly string[];
}): Sans {
    const dns = new Set<string>(["kubernetes", "kubernetes.default", "kubernetes.default.svc", `kubernetes.default.svc.${input.clusterDomain}`, "localhost"]);
    const ips = new Set<string>(["127.0.0.1", kubernetesServiceIp(input.serviceCidr)]);
    for (const m of input.masters) {
        ips.add(m.address);
        dns.add(m.name);
    }
    for (const s of [input.apiserverHost, ...(input.extraSans ?? [])]) {
        if (!s) continue;
        if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) ips.add(s);
        else dns.add(s);
    }
    return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/** SANs of one etcd member's server/peer certificate. */
export function etcdMemberSans(member: Member): Sans {
    return { dnsNames: [member.name, "localhost"].sort(), ipAddresses: [member.address, "127.0.0.1"].sort() };
}

export { allocatePodCidrs } from "../lib/podCidrs";

/** Static routes a node needs in bridge mode: every other node's pod block via that node. */
export function podRoutesFor(self: string, nodes: readonly Member[], podCidrs: ReadonlyMap<string, string>): Array<{ cidr: string; via: string }> {
    return nodes.filter((n) => n.name !== self).map((n) => ({ cidr: podCidrs.get(n.name)!, via: n.address }));
}

/** keepalived role per master: the first declared master starts as MASTER with the top priority. */
export function keepalivedRoles(masters: readonly Member[]): Map<string, { state: "MASTER" | "BACKUP"; priority: number }> {
    return new Map(masters.map((m, i) => [m.name, { state: i === 0 ? ("MASTER" as const) : ("BACKUP" as const), priority: Math.max(1, 150 - i * 10) }]));
}

/** The /24 a host lives in, used as host network when none is configured. */
export function defaultHostCidr(address: string): string {
    const parts = address.split(".");
    return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
}

/** Prefix length of the host network (for the VIP's `/n`). */
export function prefixLength(cidr: string): number {
    return parseCidr(cidr).prefix;
}

export { cidrContains };
