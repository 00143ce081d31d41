import { isImageReference } from "./references";

/** What the metrics-server add-on needs to know (everything but its serving certificate). */
export interface MetricsServerSpec {
    /** Image reference, e.g. `<your mirror>/metrics-server/metrics-server:v0.8.0`. */
    readonly image: string;
    /** Replicas (1, or 2 and more for an API that survives a node's drain). */
    readonly replicas: number;
    /** How often kubelets are scraped, seconds (at least 10). */
    readonly resolutionSeconds: number;
}

/** Namespace, names and the APIService the add-on serves. */
export const METRICS_SERVER = {
    namespace: "kube-system",
    name: "metrics-server",
    /** The Secret with its serving certificate (`tls.crt`, `tls.key`). */
    certSecret: "metrics-server-serving-cert",
    apiService: "v1beta1.metrics.k8s.io",
    /** The port the pod serves on (HTTPS). */
    port: 10250,
} as const;

/** The Service's DNS names (what the apiserver's aggregator dials: the serving certificate's SANs). Pure. */
export function metricsServerDnsNames(clusterDomain: string): string[] {
    const svc = `${METRICS_SERVER.name}.${METRICS_SERVER.namespace}.svc`;
    return [svc, `${svc}.${clusterDomain}`];
}

const SELECTOR = { "k8s-app": "metrics-server" } as const;
const LABELS = { ...SELECTOR, "app.kubernetes.io/managed-by": "ha-kubernetes" } as const;
const CERT_DIR = "/etc/metrics-server/tls";

type Obj = Record<string, unknown>;

/** The settings a user may give (all optional). */
export interface MetricsServerSettingsInput {
    readonly image?: unknown;
    readonly replicas?: unknown;
    readonly resolutionSeconds?: unknown;
}

/** Every problem with user-given metrics-server settings, addressed under `prefix`. Pure. */
export function metricsServerSettingProblems(m: MetricsServerSettingsInput, prefix: string): Array<{ propertyPath: string; reason: string }> {
    const problems: Array<{ propertyPath: string; reason: string }> = [];
    if (m.image !== undefined && !isImageReference(m.image)) problems.push({ propertyPath: `${prefix}.image`, reason: `bad image reference ${JSON.stringify(m.image)}` });
    if (m.replicas !== undefined && (!Number.isInteger(m.replicas) || (m.replicas as number) < 1))
        problems.push({ propertyPath: `${prefix}.replicas`, reason: `replicas must be a positive whole number, got ${JSON.stringify(m.replicas)}` });
    if (m.resolutionSeconds !== undefined && (!Number.isInteger(m.resolutionSeconds) || (m.resolutionSeconds as number) < 10))
        problems.push({ propertyPath: `${prefix}.resolutionSeconds`, reason: `resolutionSeconds must be whole seconds, at least 10, got ${JSON.stringify(m.resolutionSeconds)}` });
    return problems;
}

function check(spec: MetricsServerSpec): void {
    const problems = metricsServerSettingProblems(spec, "metricsServer");
    if (spec.image === undefined) problems.unshift({ propertyPath: "metricsServer.image", reason: "no image" });
    if (problems.length) throw new Error(`metrics-server: ${problems.map((p) => `${p.propertyPath}: ${p.reason}`).join("; ")}`);
}

/**
 * The metrics-server add-on's objects but its certificate Secret and APIService (which carry the
 * certificate, see renderMetricsServerSecret/renderMetricsServerApiService), in apply order:
 * ServiceAccount, the aggregated reader ClusterRole, its own ClusterRole and bindings (node
 * metrics, delegated authentication and authorization, the extension-apiserver-authentication
 * ConfigMap), Service, Deployment and, with 2 or more replicas, a PodDisruptionBudget.
 *
 * It serves TLS with a certificate ha-kubernetes issues from the cluster CA (the APIService
 * verifies it: no insecureSkipTLSVerify) and verifies the kubelets' serving certificates against
 * the cluster CA (its service account's ca.crt; no --kubelet-insecure-tls). The pod runs as
 * non-root with a read-only root filesystem, no capabilities, the runtime's seccomp profile. Pure.
 */
export function renderMetricsServerObjects(spec: MetricsServerSpec): Obj[] {
    check(spec);
    const ns = METRICS_SERVER.namespace;
    const name = METRICS_SERVER.name;
    const meta = (n: string, namespace?: string, extra: Record<string, string> = {}): Obj => ({ name: n, ...(namespace ? { namespace } : {}), labels: { ...LABELS, ...extra } });
    const sa = [{ kind: "ServiceAccount", name, namespace: ns }];
    const clusterRoleRef = (n: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: n });
    const objects: Obj[] = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(name, ns) },
        {
            // aggregated into the default view/edit/admin roles: whoever may read pods may read their metrics
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: meta("system:aggregated-metrics-reader", undefined, {
                "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                "rbac.authorization.k8s.io/aggregate-to-view": "true",
            }),
            rules: [{ apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: meta(`system:${name}`),
            rules: [
                { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
                { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: meta(`system:${name}`),
            roleRef: clusterRoleRef(`system:${name}`),
            subjects: sa,
        },
        {
            // delegated authentication and authorization of the requests the aggregator forwards
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: meta(`${name}:system:auth-delegator`),
            roleRef: clusterRoleRef("system:auth-delegator"),
            subjects: sa,
        },
        {
            // the front-proxy CA and allowed names, read from kube-system/extension-apiserver-authentication
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: meta(`${name}-auth-reader`, ns),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
            subjects: sa,
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(name, ns),
            spec: { selector: { ...SELECTOR }, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }] },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta(name, ns),
            spec: {
                replicas: spec.replicas,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: spec.replicas > 1 ? 1 : 0, maxSurge: 1 } },
                selector: { matchLabels: { ...SELECTOR } },
                template: {
                    metadata: { labels: { ...SELECTOR } },
                    spec: {
                        priorityClassName: "system-cluster-critical",
                        serviceAccountName: name,
                        nodeSelector: { "kubernetes.io/os": "linux" },
                        tolerations: [
                            { key: "CriticalAddonsOnly", operator: "Exists" },
                            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
                        ],
                        affinity: {
                            podAntiAffinity: {
                                preferredDuringSchedulingIgnoredDuringExecution: [
                                    { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { ...SELECTOR } }, topologyKey: "kubernetes.io/hostname" } },
                                ],
                            },
                        },
                        // fsGroup: the certificate's files (mode 0440) belong to the pod's group
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name,
                                image: spec.image,
                                imagePullPolicy: "IfNotPresent",
                                args: [
                                    `--secure-port=${METRICS_SERVER.port}`,
                                    `--tls-cert-file=${CERT_DIR}/tls.crt`,
                                    `--tls-private-key-file=${CERT_DIR}/tls.key`,
                                    "--tls-min-version=VersionTLS12",
                                    "--kubelet-preferred-address-types=InternalIP",
                                    "--kubelet-use-node-status-port",
                                    `--metric-resolution=${spec.resolutionSeconds}s`,
                                ],
                                ports: [{ name: "https", containerPort: METRICS_SERVER.port, protocol: "TCP" }],
                                resources: { requests: { cpu: "100m", memory: "200Mi" } },
                                readinessProbe: { httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" }, initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 3 },
                                livenessProbe: { httpGet: { path: "/livez", port: "https", scheme: "HTTPS" }, periodSeconds: 10, failureThreshold: 3 },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [
                                    { name: "serving-cert", mountPath: CERT_DIR, readOnly: true },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "serving-cert", secret: { secretName: METRICS_SERVER.certSecret, defaultMode: 0o440 } },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
    ];
    if (spec.replicas > 1) {
        objects.push({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(name, ns), spec: { maxUnavailable: 1, selector: { matchLabels: { ...SELECTOR } } } });
    }
    return objects;
}

const PEM_CERT = /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/;

/** The serving certificate's Secret (kubernetes.io/tls); its manifest is a secret. Pure. */
export function renderMetricsServerSecret(certPem: string, keyPem: string): Obj {
    if (!PEM_CERT.test(certPem.trim() + "\n")) throw new Error("metrics-server serving certificate is not one PEM certificate");
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) throw new Error("metrics-server serving key is not a PEM private key");
    return {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/tls",
        metadata: { name: METRICS_SERVER.certSecret, namespace: METRICS_SERVER.namespace, labels: { ...LABELS } },
        data: { "tls.crt": Buffer.from(certPem).toString("base64"), "tls.key": Buffer.from(keyPem).toString("base64") },
    };
}

/** The APIService `v1beta1.metrics.k8s.io`, served by the Service and verified with `caPem` (the CA that issued its certificate). Pure. */
export function renderMetricsServerApiService(caPem: string): Obj {
    if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("metrics-server APIService CA bundle is not a PEM certificate");
    return {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name: METRICS_SERVER.apiService, labels: { ...LABELS } },
        spec: {
            service: { name: METRICS_SERVER.name, namespace: METRICS_SERVER.namespace, port: 443 },
            group: "metrics.k8s.io",
            version: "v1beta1",
            caBundle: Buffer.from(caPem).toString("base64"),
            groupPriorityMinimum: 100,
            versionPriority: 100,
        },
    };
}
