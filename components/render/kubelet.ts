import YAML from "yaml";
import { isIpv4, parseCidr } from "../../lib/address";
import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, renderFlags } from "./flags";
import { hashHeader } from "./header";
import { PATHS } from "./paths";
import { STRONG_TLS12_CIPHER_SUITES } from "./tlsSuites";
import { isDnsName } from "./references";
import { renderEnvFile } from "./systemd";

export interface KubeletConfigSpec {
    /** Cluster DNS service IPs (IPv4) written into pods' resolv.conf. */
    readonly clusterDns: ReadonlyArray<string>;
    /** Cluster DNS domain, e.g. `cluster.local`. */
    readonly clusterDomain: string;
    /** This node's pod CIDR (bridge mode; with a registered node the kubelet takes node.spec.podCIDR). */
    readonly podCidr?: string;
    /** Must match containerd's runc `SystemdCgroup`. */
    readonly cgroupDriver: "systemd" | "cgroupfs";
    /** CRI endpoint. Default unix:///run/containerd/containerd.sock. */
    readonly containerRuntimeEndpoint?: string;
    /** Maximum pods on the node. Default: kubelet's (110). */
    readonly maxPods?: number;
    /** Hard eviction thresholds, e.g. `{ "memory.available": "100Mi" }`. Default: kubelet's. */
    readonly evictionHard?: Readonly<Record<string, string>>;
    /** Refuse to start when swap is on. Default: kubelet's (true). */
    readonly failSwapOn?: boolean;
    /** Host resolv.conf for pods with dnsPolicy Default; "" disables. Default: kubelet's (/etc/resolv.conf). */
    readonly resolvConf?: string;
    /** QoS cgroup hierarchy. Default: kubelet's (true). */
    readonly cgroupsPerQos?: boolean;
    /** Node allocatable enforcement levels (`pods`, `system-reserved`, `kube-reserved`, … or `none`). Default: kubelet's (["pods"]). */
    readonly enforceNodeAllocatable?: ReadonlyArray<string>;
    /** Local ephemeral storage isolation. Default: kubelet's (true). */
    readonly localStorageCapacityIsolation?: boolean;
    /**
     * Refuse to start on cgroup v1 hosts. Default: kubelet's (true since 1.35). Set false to run
     * on cgroup v1 (deprecated; e.g. the nspawn lab on a hybrid-cgroup host).
     */
    readonly failCgroupV1?: boolean;
    /**
     * More KubeletConfiguration fields, merged last (shallow). May not set the keys in
     * PROTECTED_KUBELET_KEYS (authentication, authorization, TLS, read-only port, static pods).
     */
    readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * The kubelet settings ha-kubernetes owns (authentication, authorization, TLS, read-only port,
 * static pods), each as its KubeletConfiguration key and the kubelet flags that set the same:
 * neither `extra` nor `extraArgs` may set them.
 */
const OWNED_KUBELET_SETTINGS: ReadonlyArray<readonly [key: string, flags: ReadonlyArray<string>]> = [
    ["authentication", ["anonymous-auth", "authentication-token-webhook", "client-ca-file"]],
    ["authorization", ["authorization-mode"]],
    ["readOnlyPort", ["read-only-port"]],
    ["tlsCertFile", ["tls-cert-file"]],
    ["tlsPrivateKeyFile", ["tls-private-key-file"]],
    ["tlsMinVersion", ["tls-min-version"]],
    ["rotateCertificates", ["rotate-certificates"]],
    ["serverTLSBootstrap", ["rotate-server-certificates"]],
    ["staticPodPath", ["pod-manifest-path"]],
    ["staticPodURL", ["manifest-url"]],
    ["staticPodURLHeader", []],
];

/** KubeletConfiguration keys ha-kubernetes owns: `extra` may not set them. */
export const PROTECTED_KUBELET_KEYS: ReadonlyArray<string> = ["apiVersion", "kind", ...OWNED_KUBELET_SETTINGS.map(([key]) => key)];

const ENFORCE_LEVELS = new Set(["pods", "system-reserved", "kube-reserved", "system-reserved-compressible", "kube-reserved-compressible", "none"]);

function validateConfig(spec: KubeletConfigSpec): void {
    if (!Array.isArray(spec.clusterDns)) throw new Error("kubelet clusterDns must be a list of IPv4 addresses");
    for (const ip of spec.clusterDns) if (!isIpv4(ip)) throw new Error(`kubelet clusterDns entry ${JSON.stringify(ip)} is not an IPv4 address`);
    if (!isDnsName(spec.clusterDomain)) throw new Error(`kubelet clusterDomain ${JSON.stringify(spec.clusterDomain)} is not a DNS domain`);
    if (spec.podCidr !== undefined) parseCidr(spec.podCidr);
    if (spec.cgroupDriver !== "systemd" && spec.cgroupDriver !== "cgroupfs")
        throw new Error(`kubelet cgroupDriver must be systemd or cgroupfs, got ${JSON.stringify(spec.cgroupDriver)}`);
    if (spec.containerRuntimeEndpoint !== undefined && !/^unix:\/\/\/[A-Za-z0-9_./-]+$/.test(spec.containerRuntimeEndpoint))
        throw new Error(`kubelet containerRuntimeEndpoint ${JSON.stringify(spec.containerRuntimeEndpoint)} must be unix:///path`);
    if (spec.maxPods !== undefined && (!Number.isInteger(spec.maxPods) || spec.maxPods < 1 || spec.maxPods > 10000))
        throw new Error(`kubelet maxPods must be an integer 1-10000, got ${spec.maxPods}`);
    for (const [k, v] of Object.entries(spec.evictionHard ?? {})) {
        if (!/^[a-z.]+$/.test(k) || typeof v !== "string" || !/^[0-9.]+(%|[KMGTPE]i?)?$/.test(v))
            throw new Error(`kubelet evictionHard ${k}=${JSON.stringify(v)} is not a threshold like memory.available: 100Mi`);
    }
    if (spec.resolvConf !== undefined && spec.resolvConf !== "" && !/^\/[A-Za-z0-9_./-]+$/.test(spec.resolvConf))
        throw new Error(`kubelet resolvConf must be an absolute path or "", got ${JSON.stringify(spec.resolvConf)}`);
    for (const level of spec.enforceNodeAllocatable ?? [])
        if (!ENFORCE_LEVELS.has(level)) throw new Error(`kubelet enforceNodeAllocatable level ${JSON.stringify(level)} is unknown`);
    if ((spec.enforceNodeAllocatable ?? []).includes("none") && spec.enforceNodeAllocatable!.length > 1)
        throw new Error("kubelet enforceNodeAllocatable: none cannot be combined with other levels");
    for (const k of Object.keys(spec.extra ?? {})) {
        if (PROTECTED_KUBELET_KEYS.includes(k)) throw new Error(`kubelet setting ${k} is managed by ha-kubernetes and cannot be overridden`);
    }
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Processes one pod may run (a fork bomb stays in its pod); kubeletExtraConfig may change it. */
export const KUBELET_POD_PIDS_LIMIT = 4096;

/**
 * /var/lib/kubelet/config.yaml: a KubeletConfiguration (kubelet.config.k8s.io/v1beta1, Kubernetes
 * 1.35/1.36). Anonymous access off; clients authenticate with certificates from the cluster CA or
 * bearer tokens (webhook); authorization by the apiserver (Webhook); no read-only port; the
 * serving certificate is the one ha-kubernetes issues (no rotation, no TLS bootstrap), with
 * strong cipher suites only; the runtime's default seccomp profile and a pod PID limit; no static
 * pods. Kernel defaults are not enforced (protectKernelDefaults false): the kubelet would refuse
 * to start on hosts, or test containers, whose sysctls differ from what it expects. Pure.
 */
export function renderKubeletConfig(spec: KubeletConfigSpec): string {
    validateConfig(spec);
    const N = PATHS.node;
    const config: Record<string, unknown> = {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        authentication: {
            anonymous: { enabled: false },
            webhook: { enabled: true, cacheTTL: "2m0s" },
            x509: { clientCAFile: PATHS.kubernetes.ca },
        },
        authorization: {
            mode: "Webhook",
            webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" },
        },
        readOnlyPort: 0,
        tlsCertFile: N.kubeletCert,
        tlsPrivateKeyFile: N.kubeletKey,
        tlsMinVersion: "VersionTLS12",
        // CIS 4.2.12: forward-secret AEAD only (TLS 1.3's are always on)
        tlsCipherSuites: [...STRONG_TLS12_CIPHER_SUITES],
        // containers get the runtime's default seccomp profile unless their pod asks otherwise
        seccompDefault: true,
        podPidsLimit: KUBELET_POD_PIDS_LIMIT,
        rotateCertificates: false,
        serverTLSBootstrap: false,
        protectKernelDefaults: false,
        cgroupDriver: spec.cgroupDriver,
        containerRuntimeEndpoint: spec.containerRuntimeEndpoint ?? N.containerdSocket,
        clusterDNS: [...spec.clusterDns],
        clusterDomain: spec.clusterDomain,
        ...defined({
            podCIDR: spec.podCidr,
            maxPods: spec.maxPods,
            evictionHard: spec.evictionHard ? { ...spec.evictionHard } : undefined,
            failSwapOn: spec.failSwapOn,
            resolvConf: spec.resolvConf,
            cgroupsPerQOS: spec.cgroupsPerQos,
            enforceNodeAllocatable: spec.enforceNodeAllocatable ? [...spec.enforceNodeAllocatable] : undefined,
            localStorageCapacityIsolation: spec.localStorageCapacityIsolation,
            failCgroupV1: spec.failCgroupV1,
        }),
        ...(spec.extra ?? {}),
    };
    const doc = new YAML.Document(config);
    const protect = doc.get("protectKernelDefaults", true) as YAML.Scalar | undefined;
    if (protect) protect.comment = " not enforced: hosts and test containers may differ from the kubelet's expected sysctls";
    return hashHeader() + doc.toString();
}

/** The static kubelet unit: after and requiring containerd, flags from /etc/kubernetes/kubelet.env. Pure. */
export function renderKubeletUnit(): string {
    return renderDaemonUnit({
        description: "Kubernetes node agent (kubelet)",
        binary: PATHS.bin.kubelet,
        envFile: PATHS.node.kubeletEnv,
        argsVar: "KUBELET_ARGS",
        fixedArgs: [`--config=${PATHS.node.kubeletConfig}`, `--kubeconfig=${PATHS.node.kubeletKubeconfig}`],
        after: ["containerd.service"],
        requires: ["containerd.service"],
    });
}

/** A taint the node registers with. */
export interface NodeTaint {
    readonly key: string;
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
}

export interface KubeletEnvSpec {
    /** Node name (DNS-1123 subdomain); also the certificate's `system:node:<name>`. */
    readonly hostnameOverride: string;
    /** The node's IPv4 address. */
    readonly nodeIp: string;
    /**
     * Labels set at registration. Labels in the kubernetes.io / k8s.io namespaces are refused
     * unless the kubelet may set them (NodeRestriction): e.g. `node-role.kubernetes.io/*` must be
     * set by an administrator instead.
     */
    readonly nodeLabels?: Readonly<Record<string, string>>;
    /** Taints set at registration. */
    readonly registerWithTaints?: ReadonlyArray<NodeTaint>;
    /** More kubelet flags (name without `--`). May not repeat the flags above or the security ones in PROTECTED_KUBELET_FLAGS. */
    readonly extraArgs?: Readonly<Record<string, FlagValue>>;
}

/** kubelet flags `extraArgs` may not set: the unit's, the ones renderKubeletEnv sets, and those of the owned settings. */
export const PROTECTED_KUBELET_FLAGS: ReadonlyArray<string> = [
    "config",
    "kubeconfig",
    "hostname-override",
    "node-ip",
    "node-labels",
    "register-with-taints",
    ...OWNED_KUBELET_SETTINGS.flatMap(([, flags]) => flags),
];

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** Labels in kubernetes.io namespaces a kubelet may set (k8s.io/kubernetes/pkg/kubelet kubeletapis). */
const KUBELET_SETTABLE = new Set([
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
]);

function labelNamespace(key: string): string {
    return key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
}

function inNamespace(ns: string, domain: string): boolean {
    return ns === domain || ns.endsWith(`.${domain}`);
}

function validateLabel(key: string, value: string): void {
    if (!QUALIFIED_NAME.test(key) || labelNamespace(key).length > 253) throw new Error(`node label key ${JSON.stringify(key)} is not a qualified name`);
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) throw new Error(`node label ${key}: value ${JSON.stringify(value)} is not a label value`);
    const ns = labelNamespace(key);
    const restricted = inNamespace(ns, "kubernetes.io") || inNamespace(ns, "k8s.io");
    const allowed = KUBELET_SETTABLE.has(key) || inNamespace(ns, "kubelet.kubernetes.io") || inNamespace(ns, "node.kubernetes.io");
    if (restricted && !allowed) throw new Error(`node label ${key} is in a namespace kubelets may not set (NodeRestriction); label the node with kubectl instead`);
}

/** /etc/kubernetes/kubelet.env: KUBELET_ARGS with the per-node flags. Pure. */
export function renderKubeletEnv(spec: KubeletEnvSpec): string {
    if (!isDnsName(spec.hostnameOverride)) {
        throw new Error(`kubelet hostnameOverride ${JSON.stringify(spec.hostnameOverride)} must be a lowercase DNS-1123 name`);
    }
    if (!isIpv4(spec.nodeIp)) throw new Error(`kubelet nodeIp ${JSON.stringify(spec.nodeIp)} is not an IPv4 address`);
    const labels = Object.entries(spec.nodeLabels ?? {});
    for (const [k, v] of labels) validateLabel(k, v);
    const taints = (spec.registerWithTaints ?? []).map((t) => {
        if (!QUALIFIED_NAME.test(t.key ?? "")) throw new Error(`taint key ${JSON.stringify(t.key)} is not a qualified name`);
        if (t.value !== undefined && !LABEL_VALUE.test(t.value)) throw new Error(`taint ${t.key}: value ${JSON.stringify(t.value)} is not a label value`);
        if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect))
            throw new Error(`taint ${t.key}: effect ${JSON.stringify(t.effect)} is not NoSchedule, PreferNoSchedule or NoExecute`);
        return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
    });
    const extra = Object.entries(spec.extraArgs ?? {});
    for (const [name] of extra) if (PROTECTED_KUBELET_FLAGS.includes(name)) throw new Error(`kubelet flag --${name} is managed by ha-kubernetes`);
    return renderEnvFile([
        [
            "KUBELET_ARGS",
            renderFlags([
                ["hostname-override", spec.hostnameOverride],
                ["node-ip", spec.nodeIp],
                ["node-labels", labels.length > 0 ? labels.map(([k, v]) => `${k}=${v}`) : undefined],
                ["register-with-taints", taints.length > 0 ? taints : undefined],
                ...extra,
            ]),
        ],
    ]);
}
