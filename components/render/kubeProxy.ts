import YAML from "yaml";
import { isIpv4, parseCidr } from "../../lib/address";
import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, renderFlags } from "./flags";
import { hashHeader } from "./header";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

export interface KubeProxyConfigSpec {
    /** The cluster pod range: traffic to Services from outside it is masqueraded. */
    readonly clusterCidr: string;
    /** Proxy backend. `iptables` needs the iptables tools; `nftables` kernel 5.13+ and the `nft` tool (Debian package nftables); `ipvs` the ip_vs modules and ipset. */
    readonly mode: "iptables" | "ipvs" | "nftables";
    /** Node name, when it differs from the host name. */
    readonly hostnameOverride?: string;
    /**
     * conntrack.maxPerCore. 0 leaves nf_conntrack_max as the kernel has it (needed in containers,
     * where it cannot be written). Default: kube-proxy's (32768).
     */
    readonly conntrackMaxPerCore?: number;
    /** `ip:port` of the metrics endpoint. Default 127.0.0.1:10249. */
    readonly metricsBindAddress?: string;
    /** Addresses NodePorts answer on. Default ["primary"] (the node's primary IPs, as kube-proxy recommends). */
    readonly nodePortAddresses?: ReadonlyArray<string>;
    /** More KubeProxyConfiguration fields, merged last (shallow); may not set apiVersion, kind or clientConnection. */
    readonly extra?: Readonly<Record<string, unknown>>;
}

const PROTECTED_KEYS = ["apiVersion", "kind", "clientConnection"];

function validateConfig(spec: KubeProxyConfigSpec): void {
    parseCidr(spec.clusterCidr);
    if (!["iptables", "ipvs", "nftables"].includes(spec.mode)) throw new Error(`kube-proxy mode must be iptables, ipvs or nftables, got ${JSON.stringify(spec.mode)}`);
    if (spec.hostnameOverride !== undefined && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(spec.hostnameOverride))
        throw new Error(`kube-proxy hostnameOverride ${JSON.stringify(spec.hostnameOverride)} is not a DNS-1123 name`);
    if (spec.conntrackMaxPerCore !== undefined && (!Number.isInteger(spec.conntrackMaxPerCore) || spec.conntrackMaxPerCore < 0 || spec.conntrackMaxPerCore > 2 ** 31 - 1)) {
        throw new Error(`kube-proxy conntrackMaxPerCore must be a non-negative integer, got ${spec.conntrackMaxPerCore}`);
    }
    if (spec.metricsBindAddress !== undefined) {
        const m = /^(.+):(\d{1,5})$/.exec(spec.metricsBindAddress);
        if (!m || !isIpv4(m[1]) || Number(m[2]) > 65535) throw new Error(`kube-proxy metricsBindAddress ${JSON.stringify(spec.metricsBindAddress)} must be ipv4:port`);
    }
    for (const a of spec.nodePortAddresses ?? []) {
        if (a !== "primary") parseCidr(a);
    }
    for (const k of Object.keys(spec.extra ?? {})) if (PROTECTED_KEYS.includes(k)) throw new Error(`kube-proxy setting ${k} is managed by ha-kubernetes`);
}

/**
 * /var/lib/kube-proxy/config.yaml: a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1,
 * still the only version in Kubernetes 1.35/1.36) with the kubeconfig at
 * /var/lib/kube-proxy/kubeconfig. Pure.
 */
export function renderKubeProxyConfig(spec: KubeProxyConfigSpec): string {
    validateConfig(spec);
    const config: Record<string, unknown> = {
        apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
        kind: "KubeProxyConfiguration",
        clientConnection: { kubeconfig: PATHS.node.kubeProxyKubeconfig },
        mode: spec.mode,
        clusterCIDR: spec.clusterCidr,
        ...(spec.hostnameOverride !== undefined ? { hostnameOverride: spec.hostnameOverride } : {}),
        metricsBindAddress: spec.metricsBindAddress ?? "127.0.0.1:10249",
        nodePortAddresses: [...(spec.nodePortAddresses ?? ["primary"])],
        ...(spec.conntrackMaxPerCore !== undefined ? { conntrack: { maxPerCore: spec.conntrackMaxPerCore } } : {}),
        ...(spec.extra ?? {}),
    };
    return hashHeader() + YAML.stringify(config);
}

/** The static kube-proxy unit: flags from /etc/kubernetes/kube-proxy.env. Pure. */
export function renderKubeProxyUnit(): string {
    return renderDaemonUnit({
        description: "Kubernetes network proxy (kube-proxy)",
        binary: PATHS.bin.kubeProxy,
        envFile: PATHS.node.kubeProxyEnv,
        argsVar: "KUBE_PROXY_ARGS",
        fixedArgs: [`--config=${PATHS.node.kubeProxyConfig}`],
    });
}

export interface KubeProxyEnvSpec {
    /** Node name (the kubelet's --hostname-override). */
    readonly hostnameOverride: string;
    /** More kube-proxy flags (name without `--`); may not set config or hostname-override. */
    readonly extraArgs?: Readonly<Record<string, FlagValue>>;
}

/** /etc/kubernetes/kube-proxy.env: KUBE_PROXY_ARGS with the per-node flags. Pure. */
export function renderKubeProxyEnv(spec: KubeProxyEnvSpec): string {
    if (typeof spec.hostnameOverride !== "string" || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(spec.hostnameOverride))
        throw new Error(`kube-proxy hostnameOverride ${JSON.stringify(spec.hostnameOverride)} is not a DNS-1123 name`);
    const extra = Object.entries(spec.extraArgs ?? {});
    for (const [name] of extra) if (["config", "hostname-override", "kubeconfig"].includes(name)) throw new Error(`kube-proxy flag --${name} is managed by ha-kubernetes`);
    return renderEnvFile([["KUBE_PROXY_ARGS", renderFlags([["hostname-override", spec.hostnameOverride], ...extra])]]);
}
