import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, renderFlags } from "./flags";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

/** Per-master kube-apiserver settings. */
export interface ApiserverSpec {
    /** This master's address (advertised to the cluster). */
    readonly advertiseAddress: string;
    /** Default 0.0.0.0. */
    readonly bindAddress?: string;
    /** Default 6443. */
    readonly securePort?: number;
    /** etcd client URLs (https). */
    readonly etcdServers: readonly string[];
    readonly serviceClusterIpRange: string;
    /** Default 30000-32767. */
    readonly serviceNodePortRange?: string;
    /** Default https://kubernetes.default.svc.cluster.local. */
    readonly serviceAccountIssuer?: string;
    /** Audit log retention: days (default 30), files (10), MiB per file (100). */
    readonly auditLogMaxAgeDays?: number;
    readonly auditLogMaxBackups?: number;
    readonly auditLogMaxSizeMb?: number;
    readonly featureGates?: Readonly<Record<string, boolean>>;
    /** Extra flags; the security-relevant ones below cannot be overridden. */
    readonly extraArgs?: Readonly<Record<string, string>>;
}

/** Flags an operator may not override through extraArgs. */
export const PROTECTED_APISERVER_FLAGS = [
    "authorization-mode", "enable-admission-plugins", "disable-admission-plugins", "encryption-provider-config",
    "client-ca-file", "tls-cert-file", "tls-private-key-file", "etcd-cafile", "etcd-certfile", "etcd-keyfile",
    "kubelet-certificate-authority", "audit-policy-file", "insecure-port", "insecure-bind-address",
];

/** The static kube-apiserver unit. Pure. */
export function renderApiserverUnit(): string {
    return renderDaemonUnit({ description: "Kubernetes API server", binary: PATHS.bin.kubeApiserver, envFile: PATHS.kubernetes.apiserverEnv, argsVar: "KUBE_APISERVER_ARGS" });
}

/** kube-apiserver flags, in order. Pure. */
export function apiserverFlags(spec: ApiserverSpec): Array<[string, FlagValue]> {
    if (spec.etcdServers.length === 0) throw new Error("kube-apiserver needs at least one etcd server");
    for (const s of spec.etcdServers) if (!s.startsWith("https://")) throw new Error(`etcd server must be https: ${s}`);
    const K = PATHS.kubernetes;
    const flags: Array<[string, FlagValue]> = [
        ["advertise-address", spec.advertiseAddress],
        ["bind-address", spec.bindAddress ?? "0.0.0.0"],
        ["secure-port", spec.securePort ?? 6443],
        ["allow-privileged", true],
        // Anonymous requests stay enabled (the default) so load-balancer health checks can GET
        // /readyz (system:public-info-viewer); RBAC gives anonymous nothing else.
        ["authorization-mode", "Node,RBAC"],
        ["enable-admission-plugins", "NodeRestriction"],
        ["client-ca-file", K.ca],
        ["tls-cert-file", K.apiserverCert],
        ["tls-private-key-file", K.apiserverKey],
        ["tls-min-version", "VersionTLS12"],
        ["etcd-servers", spec.etcdServers],
        ["etcd-cafile", K.etcdCa],
        ["etcd-certfile", K.apiserverEtcdClientCert],
        ["etcd-keyfile", K.apiserverEtcdClientKey],
        ["kubelet-client-certificate", K.apiserverKubeletClientCert],
        ["kubelet-client-key", K.apiserverKubeletClientKey],
        ["kubelet-certificate-authority", K.ca],
        ["kubelet-preferred-address-types", "InternalIP,Hostname"],
        ["proxy-client-cert-file", K.frontProxyClientCert],
        ["proxy-client-key-file", K.frontProxyClientKey],
        ["requestheader-client-ca-file", K.frontProxyCa],
        ["requestheader-allowed-names", "front-proxy-client"],
        ["requestheader-extra-headers-prefix", "X-Remote-Extra-"],
        ["requestheader-group-headers", "X-Remote-Group"],
        ["requestheader-username-headers", "X-Remote-User"],
        ["enable-aggregator-routing", true],
        ["service-account-issuer", spec.serviceAccountIssuer ?? "https://kubernetes.default.svc.cluster.local"],
        ["service-account-key-file", K.serviceAccountPublicKey],
        ["service-account-signing-key-file", K.serviceAccountKey],
        ["service-cluster-ip-range", spec.serviceClusterIpRange],
        ["service-node-port-range", spec.serviceNodePortRange ?? "30000-32767"],
        ["encryption-provider-config", K.encryptionConfig],
        ["encryption-provider-config-automatic-reload", true],
        ["audit-policy-file", K.auditPolicy],
        ["audit-log-path", K.auditLog],
        ["audit-log-maxage", spec.auditLogMaxAgeDays ?? 30],
        ["audit-log-maxbackup", spec.auditLogMaxBackups ?? 10],
        ["audit-log-maxsize", spec.auditLogMaxSizeMb ?? 100],
        // Each apiserver keeps its own lease; dead masters drop out of the kubernetes Endpoints.
        ["endpoint-reconciler-type", "lease"],
        ["profiling", false],
    ];
    if (spec.featureGates && Object.keys(spec.featureGates).length) {
        flags.push(["feature-gates", Object.entries(spec.featureGates).map(([k, v]) => `${k}=${v}`)]);
    }
    for (const [k, v] of Object.entries(spec.extraArgs ?? {})) {
        if (PROTECTED_APISERVER_FLAGS.includes(k)) throw new Error(`kube-apiserver flag --${k} is managed by ha-kubernetes and cannot be overridden`);
        const i = flags.findIndex(([n]) => n === k);
        if (i >= 0) flags[i] = [k, v]; else flags.push([k, v]);
    }
    return flags;
}

/** The per-master EnvironmentFile with KUBE_APISERVER_ARGS. Pure. */
export function renderApiserverEnv(spec: ApiserverSpec): string {
    return renderEnvFile([["KUBE_APISERVER_ARGS", renderFlags(apiserverFlags(spec))]]);
}
