import { DEFAULTS, keepalivedRoles, Member, member } from "./topology";

/**
 * The apiserver load balancer as decided: `planLoadBalancer` applies every default and derives
 * the endpoint clients use and each keepalived peer's role, once, for the ClusterPlan and for the
 * LoadBalancer component's own arguments. Pure.
 */

/** Where clients (kubelets, admins, the add-ons' kubeconfigs) reach the apiservers. */
export interface Endpoint {
    readonly host: string;
    readonly port: number;
    /** `https://host:port`. */
    readonly url: string;
}

/** What every mode of the load balancer takes; `H` is the host type (a ClusterHost for the component). */
interface CommonSettings<H extends Member> {
    /** The apiservers behind the balancer (the masters). */
    readonly backends: readonly H[];
    /** Port kube-apiserver listens on. Default 6443. */
    readonly backendPort?: number;
    /** Port clients use. Default 8443 for haproxy-keepalived (it shares the masters with kube-apiserver), 6443 otherwise. */
    readonly port?: number;
    /** Connection limit of haproxy. Default 20000. */
    readonly maxConnections?: number;
    /** Seconds the health gate waits. Default 120. */
    readonly healthTimeoutSec?: number;
}

/** haproxy on every master, keepalived holding a VRRP virtual IP. */
export interface HaproxyKeepalivedSettings<H extends Member = Member> extends CommonSettings<H> {
    readonly mode: "haproxy-keepalived";
    /** The virtual IP (IPv4). */
    readonly vip: string;
    /** Prefix length of the VIP on the interface. Default 24. */
    readonly vipPrefixLength?: number;
    /** Interface keepalived manages. Default `eth0`. */
    readonly interface?: string;
    /** VRRP router id 1–255. Default 51. */
    readonly virtualRouterId?: number;
}

/** nginx (stream) on a host of its own. */
export interface NginxSettings<H extends Member = Member> extends CommonSettings<H> {
    readonly mode: "nginx";
    /** The host nginx runs on. */
    readonly lbHost: H;
}

/** The user's own load balancer: nothing is installed. */
export interface ExternalLoadBalancerSettings<H extends Member = Member> extends CommonSettings<H> {
    readonly mode: "external";
    /** Its address (IP or DNS name). */
    readonly externalAddress: string;
}

/** `haproxy-keepalived` (on the masters, VRRP VIP), `nginx` (own host) or `external`. */
export type LoadBalancerSettings<H extends Member = Member> = HaproxyKeepalivedSettings<H> | NginxSettings<H> | ExternalLoadBalancerSettings<H>;

interface CommonPlan {
    readonly backends: readonly Member[];
    readonly backendPort: number;
    readonly port: number;
    /** As given (the renderer's default applies otherwise). */
    readonly maxConnections?: number;
    readonly healthTimeoutSec: number;
    readonly endpoint: Endpoint;
}

/** A keepalived peer's start state and priority. */
export interface VrrpRole {
    readonly state: "MASTER" | "BACKUP";
    readonly priority: number;
}

export type HaproxyKeepalivedPlan = CommonPlan & {
    readonly mode: "haproxy-keepalived";
    readonly vip: string;
    readonly vipPrefixLength: number;
    readonly interface: string;
    readonly virtualRouterId: number;
    /** Each backend's keepalived role, by host name. */
    readonly vrrp: Readonly<Record<string, VrrpRole>>;
};
export type NginxPlan = CommonPlan & { readonly mode: "nginx"; readonly lbHost: Member };
export type ExternalLoadBalancerPlan = CommonPlan & { readonly mode: "external"; readonly externalAddress: string };

/** The load balancer, one variant per mode, every default applied. */
export type LoadBalancerPlan = HaproxyKeepalivedPlan | NginxPlan | ExternalLoadBalancerPlan;

/** The one derivation of the load balancer's decisions. Pure. */
export function planLoadBalancer(s: LoadBalancerSettings): LoadBalancerPlan {
    const port = s.port ?? (s.mode === "haproxy-keepalived" ? DEFAULTS.haproxyPort : DEFAULTS.apiserverPort);
    const host = s.mode === "haproxy-keepalived" ? s.vip : s.mode === "nginx" ? s.lbHost.address : s.externalAddress;
    const common: CommonPlan = {
        backends: s.backends.map(member),
        backendPort: s.backendPort ?? DEFAULTS.apiserverPort,
        port,
        maxConnections: s.maxConnections,
        healthTimeoutSec: s.healthTimeoutSec ?? 120,
        endpoint: { host, port, url: `https://${host}:${port}` },
    };
    switch (s.mode) {
        case "haproxy-keepalived":
            return {
                ...common,
                mode: s.mode,
                vip: s.vip,
                vipPrefixLength: s.vipPrefixLength ?? 24,
                interface: s.interface ?? DEFAULTS.keepalivedInterface,
                virtualRouterId: s.virtualRouterId ?? DEFAULTS.virtualRouterId,
                vrrp: Object.fromEntries(keepalivedRoles(s.backends)),
            };
        case "nginx":
            return { ...common, mode: s.mode, lbHost: member(s.lbHost) };
        case "external":
            return { ...common, mode: s.mode, externalAddress: s.externalAddress };
    }
}
