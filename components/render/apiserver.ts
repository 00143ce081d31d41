import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, MANAGED_BY_HA_KUBERNETES, mergeExtraFlags, protectedFlags, renderFlags } from "./flags";
import { checkPort, isIpAddress, parseCidrList } from "../../lib/address";
import { PATHS, UNITS } from "./paths";
import { CHACHA20_LONG_NAMES, STRONG_TLS12_CIPHER_SUITES, TLS13_CIPHER_SUITES } from "./tlsSuites";
import { renderEnvFile } from "./systemd";

/** Per-master kube-apiserver settings (Kubernetes 1.35/1.36 flags). */
export interface ApiserverSpec {
    /** This master's IP, advertised to the cluster (the `kubernetes` Service endpoints). */
    readonly advertiseAddress: string;
    /** IP the secure port binds to. Default "0.0.0.0" (all interfaces). */
    readonly bindAddress?: string;
    /** The (only) serving port, TLS. Default 6443. */
    readonly securePort?: number;
    /** etcd client URLs, `https://<host>:<port>` (see `etcdClientUrl`). At least one. */
    readonly etcdServers: readonly string[];
    /** Service CIDR, or an IPv4,IPv6 dual-stack pair. */
    readonly serviceClusterIpRange: string;
    /** NodePort range "first-last". Default "30000-32767". */
    readonly serviceNodePortRange?: string;
    /** Cluster DNS domain; only used for the default service account issuer. Default "cluster.local". */
    readonly clusterDomain?: string;
    /** Service account token issuer (https URL). Default `https://kubernetes.default.svc.<clusterDomain>`. */
    readonly serviceAccountIssuer?: string;
    /** Days rotated audit logs are kept. Default 30. */
    readonly auditLogMaxAgeDays?: number;
    /** Rotated audit log files kept. Default 10. */
    readonly auditLogMaxBackups?: number;
    /** MiB an audit log file may reach before it is rotated. Default 100. */
    readonly auditLogMaxSizeMb?: number;
    /** `--feature-gates`, rendered sorted by name. */
    readonly featureGates?: Readonly<Record<string, boolean>>;
    /**
     * Further flags (name without dashes → value). They may replace non-critical defaults, but
     * not the flags listed in `APISERVER_PROTECTED_FLAGS` (the render throws), nor flags that have
     * a field in this spec; `enable-admission-plugins` may be replaced only by a list that keeps
     * NodeRestriction, and `tls-min-version` only raised to VersionTLS13.
     */
    readonly extraArgs?: Readonly<Record<string, string>>;
}

/**
 * Flags extraArgs may not set, with the reason. They carry the security model of the cluster
 * (who is trusted and how, where the keys are) or no longer exist in current Kubernetes.
 */
export const APISERVER_PROTECTED_FLAGS: Readonly<Record<string, string>> = {
    ...protectedFlags("authorization is fixed to Node,RBAC", ["authorization-mode", "authorization-config"]),
    ...protectedFlags("anonymous requests reach only the health endpoints (the authentication configuration ha-kubernetes writes)", ["anonymous-auth", "authentication-config"]),
    "admission-control-config-file": "Pod Security Admission defaults are set with controlPlane.podSecurity",
    "service-account-extend-token-expiration": "service-account tokens expire when they say (CIS 1.2.x)",
    "token-auth-file": "static token files are not supported",
    "disable-admission-plugins": "NodeRestriction and the default admission plugins must stay on",
    "encryption-provider-config": "secrets encryption at rest is managed by ha-kubernetes",
    ...protectedFlags(MANAGED_BY_HA_KUBERNETES, [
        "client-ca-file",
        "tls-cert-file",
        "tls-private-key-file",
        "etcd-cafile",
        "etcd-certfile",
        "etcd-keyfile",
        "kubelet-client-certificate",
        "kubelet-client-key",
        "proxy-client-cert-file",
        "proxy-client-key-file",
        "service-account-key-file",
        "service-account-signing-key-file",
        "audit-policy-file",
        "audit-log-path",
    ]),
    "kubelet-certificate-authority": "kubelet serving certificates are verified against the cluster CA",
    ...protectedFlags("front-proxy trust is managed by ha-kubernetes", ["requestheader-client-ca-file", "requestheader-allowed-names"]),
    "endpoint-reconciler-type": "the lease reconciler is required for several apiservers",
    "apiserver-count": "deprecated; the lease endpoint reconciler is used instead",
    ...protectedFlags("there is no insecure port (removed in Kubernetes 1.24)", ["insecure-port", "insecure-bind-address", "port", "address"]),
};

/** Flags that have a field in ApiserverSpec: extraArgs must not set them. */
const SPEC_FIELD_FLAGS: Readonly<Record<string, keyof ApiserverSpec>> = {
    "advertise-address": "advertiseAddress",
    "bind-address": "bindAddress",
    "secure-port": "securePort",
    "etcd-servers": "etcdServers",
    "service-cluster-ip-range": "serviceClusterIpRange",
    "service-node-port-range": "serviceNodePortRange",
    "service-account-issuer": "serviceAccountIssuer",
    "audit-log-maxage": "auditLogMaxAgeDays",
    "audit-log-maxbackup": "auditLogMaxBackups",
    "audit-log-maxsize": "auditLogMaxSizeMb",
    "feature-gates": "featureGates",
};

/** TLS cipher suites extraArgs may choose from: the strong TLS 1.2 suites (in either spelling) and TLS 1.3's. */
export const STRONG_TLS_CIPHER_SUITES: readonly string[] = [...TLS13_CIPHER_SUITES, ...STRONG_TLS12_CIPHER_SUITES, ...CHACHA20_LONG_NAMES];

type ValueCheck = (v: string) => string | undefined;
const matching =
    (re: RegExp, what: string): ValueCheck =>
    (v) =>
        re.test(v) ? undefined : `must be ${what}`;
const DURATION = matching(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, "a duration such as 90s or 2h");
const COUNT = matching(/^\d{1,9}$/, "a whole number");
const listOf =
    (allowed: readonly string[], what: string): ValueCheck =>
    (v) => {
        const bad = v.split(",").filter((x) => !allowed.includes(x));
        return bad.length ? `may only list ${what}, not ${bad.join(",")}` : undefined;
    };

/**
 * The flags extraArgs may set, each with its value check: operational knobs that cannot weaken
 * authentication, authorization, admission, etcd access or TLS. Anything else is refused.
 */
export const APISERVER_EXTRA_ARGS: Readonly<Record<string, ValueCheck>> = {
    "event-ttl": DURATION,
    "request-timeout": DURATION,
    "min-request-timeout": COUNT,
    "max-requests-inflight": COUNT,
    "max-mutating-requests-inflight": COUNT,
    "default-not-ready-toleration-seconds": COUNT,
    "default-unreachable-toleration-seconds": COUNT,
    "delete-collection-workers": COUNT,
    "service-account-max-token-expiration": DURATION,
    "goaway-chance": matching(/^0(\.0[0-2]\d*)?$/, "a fraction from 0 to 0.02"),
    "watch-cache": matching(/^(true|false)$/, "true or false"),
    "watch-cache-sizes": matching(/^[a-z0-9.-]+#\d+(,[a-z0-9.-]+#\d+)*$/, "resource#size pairs"),
    v: matching(/^([0-9]|10)$/, "a log level from 0 to 10"),
    profiling: matching(/^false$/, "false (profiling exposes the process to anyone who can reach /debug/pprof)"),
    "enable-admission-plugins": (v) => {
        const plugins = v.split(",");
        if (!plugins.includes("NodeRestriction")) return "must keep NodeRestriction";
        return plugins.includes("AlwaysAdmit") ? "may not enable AlwaysAdmit" : undefined;
    },
    "tls-min-version": matching(/^VersionTLS1[23]$/, "VersionTLS12 or VersionTLS13"),
    "tls-cipher-suites": listOf(STRONG_TLS_CIPHER_SUITES, "forward-secret AEAD suites"),
};

/** Why extraArgs may not set `--name=value`, or undefined when it may. Pure. */
export function apiserverExtraArgProblem(name: string, v: string): string | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) return `kube-apiserver flag name ${JSON.stringify(name)} must be written without dashes in front, e.g. "event-ttl"`;
    if (typeof v !== "string") return `kube-apiserver flag --${name} needs a string value`;
    if (Object.hasOwn(APISERVER_PROTECTED_FLAGS, name))
        return `kube-apiserver flag --${name} is managed by ha-kubernetes and cannot be overridden through extraArgs: ${APISERVER_PROTECTED_FLAGS[name]}`;
    if (Object.hasOwn(SPEC_FIELD_FLAGS, name)) return `kube-apiserver flag --${name}: use the spec field ${SPEC_FIELD_FLAGS[name]} instead of extraArgs`;
    if (!Object.hasOwn(APISERVER_EXTRA_ARGS, name))
        return `kube-apiserver flag --${name} is not one extraArgs may set (it could weaken authentication, authorization, admission, etcd access or TLS); allowed: ${Object.keys(APISERVER_EXTRA_ARGS).join(", ")}`;
    const problem = APISERVER_EXTRA_ARGS[name](v);
    return problem ? `kube-apiserver --${name} ${problem}: ${JSON.stringify(v)}` : undefined;
}

/** The static kube-apiserver unit (identical on every master; flags in KUBE_APISERVER_ARGS). Pure. */
export function renderApiserverUnit(): string {
    return renderDaemonUnit({
        description: "Kubernetes API server",
        binary: PATHS.bin.kubeApiserver,
        envFile: PATHS.kubernetes.apiserverEnv,
        argsVar: "KUBE_APISERVER_ARGS",
        // Orders after a co-located etcd member on boot; no effect where there is none.
        after: [`${UNITS.etcd}.service`],
    });
}

function checkCount(v: number | undefined, dflt: number, what: string): number {
    const n = v ?? dflt;
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`kube-apiserver ${what} must be a non-negative integer: ${n}`);
    return n;
}

function checkHttpsUrl(url: string, what: string, allowPath: boolean): void {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`${what} is not a URL: ${JSON.stringify(url)}`);
    }
    if (u.protocol !== "https:" || u.username || u.password || u.search || u.hash || (!allowPath && (u.pathname !== "/" || url.endsWith("/")))) {
        throw new Error(`${what} must be an https URL${allowPath ? "" : " of the form https://<host>:<port>"}: ${JSON.stringify(url)}`);
    }
}

/**
 * kube-apiserver flags, in order. Authentication is by client certificates (cluster CA), service
 * account tokens and the front proxy; anonymous requests are authenticated only for the health
 * endpoints (the authentication configuration), so that load balancers can GET /readyz, and get
 * 401 everywhere else. Pod Security Admission has cluster defaults (the admission configuration).
 * There is no insecure port. Throws on a bad spec or a forbidden extraArgs entry. Pure.
 */
export function apiserverFlags(spec: ApiserverSpec): Array<[string, FlagValue]> {
    if (!isIpAddress(spec.advertiseAddress)) throw new Error(`kube-apiserver advertise address must be an IP: ${JSON.stringify(spec.advertiseAddress)}`);
    const bindAddress = spec.bindAddress ?? "0.0.0.0";
    if (!isIpAddress(bindAddress)) throw new Error(`kube-apiserver bind address must be an IP: ${JSON.stringify(bindAddress)}`);
    const securePort = checkPort(spec.securePort ?? 6443, "kube-apiserver secure port");
    if (spec.etcdServers.length === 0) throw new Error("kube-apiserver needs at least one etcd server");
    for (const s of spec.etcdServers) checkHttpsUrl(s, "etcd server", false);
    parseCidrList(spec.serviceClusterIpRange, "service cluster IP range");
    const nodePorts = spec.serviceNodePortRange ?? "30000-32767";
    const np = /^(\d+)-(\d+)$/.exec(nodePorts);
    if (!np || Number(np[1]) >= Number(np[2]) || Number(np[1]) < 1 || Number(np[2]) > 65535) throw new Error(`bad service node port range: ${JSON.stringify(nodePorts)}`);
    const domain = spec.clusterDomain ?? "cluster.local";
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) throw new Error(`bad cluster domain: ${JSON.stringify(domain)}`);
    const issuer = spec.serviceAccountIssuer ?? `https://kubernetes.default.svc.${domain}`;
    checkHttpsUrl(issuer, "service account issuer", true);
    const gates = Object.entries(spec.featureGates ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [g, v] of gates) {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(g) || typeof v !== "boolean") throw new Error(`bad feature gate ${g}=${String(v)}`);
    }

    const K = PATHS.kubernetes;
    const flags: Array<[string, FlagValue]> = [
        ["advertise-address", spec.advertiseAddress],
        ["bind-address", bindAddress],
        ["secure-port", securePort],
        ["allow-privileged", true],
        ["authorization-mode", "Node,RBAC"],
        // CIS 1.2.3: no new Service externalIPs (CVE-2020-8554); extraArgs may leave it out
        ["enable-admission-plugins", "NodeRestriction,DenyServiceExternalIPs"],
        ["admission-control-config-file", K.admissionConfig],
        ["authentication-config", K.authenticationConfig],
        ["client-ca-file", K.ca],
        ["tls-cert-file", K.apiserverCert],
        ["tls-private-key-file", K.apiserverKey],
        ["tls-min-version", "VersionTLS12"],
        // CIS 1.2.29: forward-secret AEAD suites only, as the kubelets serve (TLS 1.3's are always on)
        ["tls-cipher-suites", [...STRONG_TLS12_CIPHER_SUITES]],
        ["etcd-servers", spec.etcdServers],
        ["etcd-cafile", K.etcdCa],
        ["etcd-certfile", K.apiserverEtcdClientCert],
        ["etcd-keyfile", K.apiserverEtcdClientKey],
        ["kubelet-client-certificate", K.apiserverKubeletClientCert],
        ["kubelet-client-key", K.apiserverKubeletClientKey],
        // Kubelet serving certificates are issued by the cluster CA: verify them.
        ["kubelet-certificate-authority", K.ca],
        ["kubelet-preferred-address-types", "InternalIP,Hostname"],
        ["proxy-client-cert-file", K.frontProxyClientCert],
        ["proxy-client-key-file", K.frontProxyClientKey],
        ["requestheader-client-ca-file", K.frontProxyCa],
        ["requestheader-allowed-names", "front-proxy-client"],
        ["requestheader-extra-headers-prefix", "X-Remote-Extra-"],
        ["requestheader-group-headers", "X-Remote-Group"],
        ["requestheader-username-headers", "X-Remote-User"],
        // Aggregated APIs are reached at their endpoint IPs, not the Service IP: masters need
        // not run kube-proxy.
        ["enable-aggregator-routing", true],
        ["service-account-issuer", issuer],
        ["service-account-key-file", K.serviceAccountPublicKey],
        ["service-account-signing-key-file", K.serviceAccountKey],
        ["service-account-extend-token-expiration", false],
        ["service-cluster-ip-range", spec.serviceClusterIpRange],
        ["service-node-port-range", nodePorts],
        ["encryption-provider-config", K.encryptionConfig],
        ["encryption-provider-config-automatic-reload", true],
        ["audit-policy-file", K.auditPolicy],
        ["audit-log-path", K.auditLog],
        ["audit-log-maxage", checkCount(spec.auditLogMaxAgeDays, 30, "audit log max age")],
        ["audit-log-maxbackup", checkCount(spec.auditLogMaxBackups, 10, "audit log max backups")],
        ["audit-log-maxsize", checkCount(spec.auditLogMaxSizeMb, 100, "audit log max size")],
        // Each apiserver holds its own lease; a stopped master drops out of the `kubernetes`
        // Service endpoints (replaces the deprecated --apiserver-count).
        ["endpoint-reconciler-type", "lease"],
        // On stop, keep serving while /readyz fails, so load balancers (health check every 2 s,
        // down after 3) take this master out before it closes: a rolling restart drops no request.
        ["shutdown-delay-duration", "8s"],
        // Then end open watches (kubelets, controllers reconnect to another master) instead of
        // waiting for the shutdown deadline (--request-timeout, 60 s) to cut them.
        ["shutdown-watch-termination-grace-period", "5s"],
        ["profiling", false],
    ];
    if (gates.length) flags.push(["feature-gates", gates.map(([k, v]) => `${k}=${v}`)]);

    return mergeExtraFlags(flags, spec.extraArgs, apiserverExtraArgProblem);
}

/** The per-master EnvironmentFile holding KUBE_APISERVER_ARGS. Pure. */
export function renderApiserverEnv(spec: ApiserverSpec): string {
    return renderEnvFile([["KUBE_APISERVER_ARGS", renderFlags(apiserverFlags(spec))]]);
}
