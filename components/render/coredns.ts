import { isIpv4 } from "../../lib/address";
import { isDnsName, isImageReference } from "./references";

/** What the cluster DNS add-on needs to know. */
export interface CoreDnsSpec {
    /** Image reference, e.g. `coredns/coredns:1.13.1`. */
    readonly image: string;
    /** The kube-dns Service's ClusterIP (kubelets' clusterDNS). */
    readonly clusterIp: string;
    /** Cluster DNS domain, e.g. `cluster.local`. */
    readonly clusterDomain: string;
    /** Replicas (at least 1; 2 or more for HA). */
    readonly replicas: number;
    /**
     * Where names outside the cluster go: resolver addresses (`10.0.0.2`, `10.0.0.2:5353`) or a
     * resolv.conf path (`/etc/resolv.conf`, the node's, as pods with dnsPolicy Default see it).
     * Empty: cluster names only, everything else is answered SERVFAIL.
     */
    readonly upstreams: readonly string[];
    /** Answers kept in cache, seconds. */
    readonly cacheSeconds: number;
}

/** The label every CoreDNS object selects on (the name kube-dns keeps for compatibility). */
export const COREDNS_SELECTOR = { "k8s-app": "kube-dns" } as const;
/** Namespace and names of the objects. */
export const COREDNS = { namespace: "kube-system", name: "coredns", service: "kube-dns" } as const;

/** Is `u` an upstream CoreDNS's `forward` takes (IPv4[:port] or an absolute resolv.conf path)? Pure. */
export function isDnsUpstream(u: string): boolean {
    if (/^\/[A-Za-z0-9._/-]+$/.test(u)) return true;
    const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(u);
    return !!m && isIpv4(m[1]) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
}

/** The settings a user may give (all optional). */
export interface CoreDnsSettingsInput {
    readonly image?: unknown;
    readonly replicas?: unknown;
    readonly upstreams?: unknown;
    readonly cacheSeconds?: unknown;
}

/** Every problem with user-given CoreDNS settings, addressed under `prefix`. Pure. */
export function coreDnsSettingProblems(c: CoreDnsSettingsInput, prefix: string): Array<{ propertyPath: string; reason: string }> {
    const problems: Array<{ propertyPath: string; reason: string }> = [];
    if (c.replicas !== undefined && (!Number.isInteger(c.replicas) || (c.replicas as number) < 1))
        problems.push({ propertyPath: `${prefix}.replicas`, reason: `replicas must be a positive whole number, got ${JSON.stringify(c.replicas)}` });
    if (c.cacheSeconds !== undefined && (!Number.isInteger(c.cacheSeconds) || (c.cacheSeconds as number) < 0))
        problems.push({ propertyPath: `${prefix}.cacheSeconds`, reason: `cacheSeconds must be whole seconds, got ${JSON.stringify(c.cacheSeconds)}` });
    if (c.image !== undefined && !isImageReference(c.image)) problems.push({ propertyPath: `${prefix}.image`, reason: `bad image reference ${JSON.stringify(c.image)}` });
    if (c.upstreams !== undefined && !Array.isArray(c.upstreams)) problems.push({ propertyPath: `${prefix}.upstreams`, reason: "upstreams must be a list" });
    else
        for (const [i, u] of ((c.upstreams as unknown[]) ?? []).entries())
            if (typeof u !== "string" || !isDnsUpstream(u))
                problems.push({ propertyPath: `${prefix}.upstreams[${i}]`, reason: `bad DNS upstream ${JSON.stringify(u)} (IPv4[:port] or a resolv.conf path)` });
    return problems;
}

function check(spec: CoreDnsSpec): void {
    if (!isImageReference(spec.image)) throw new Error(`bad CoreDNS image ${JSON.stringify(spec.image)}`);
    if (!isIpv4(spec.clusterIp)) throw new Error(`CoreDNS service IP ${JSON.stringify(spec.clusterIp)} is not IPv4`);
    if (!isDnsName(spec.clusterDomain)) throw new Error(`bad cluster domain ${JSON.stringify(spec.clusterDomain)}`);
    if (!Number.isInteger(spec.replicas) || spec.replicas < 1) throw new Error(`CoreDNS replicas must be a positive whole number, got ${spec.replicas}`);
    if (!Number.isInteger(spec.cacheSeconds) || spec.cacheSeconds < 0) throw new Error(`CoreDNS cache must be whole seconds, got ${spec.cacheSeconds}`);
    for (const u of spec.upstreams) if (!isDnsUpstream(u)) throw new Error(`bad DNS upstream ${JSON.stringify(u)} (IPv4[:port] or a resolv.conf path)`);
}

/**
 * The Corefile: cluster names from the API (kubernetes plugin, pod records for `pods insecure`,
 * reverse zones), health (:8080, lame-duck 5 s so a stopping replica drains) and ready (:8181)
 * for the probes, Prometheus metrics on :9153, a cache, loop detection, live reload, and the
 * upstreams for every other name. Pure.
 */
export function renderCorefile(spec: CoreDnsSpec): string {
    check(spec);
    const d = spec.clusterDomain;
    const lines = [
        "# Managed by ha-kubernetes. Do not edit: `pulumi up` reverts local changes.",
        ".:53 {",
        "    errors",
        "    health {",
        "        lameduck 5s",
        "    }",
        "    ready",
        `    kubernetes ${d} in-addr.arpa ip6.arpa {`,
        "        pods insecure",
        "        fallthrough in-addr.arpa ip6.arpa",
        "        ttl 30",
        "    }",
        "    prometheus :9153",
        ...(spec.upstreams.length > 0 ? [`    forward . ${spec.upstreams.join(" ")} {`, "        max_concurrent 1000", "    }"] : []),
        `    cache ${spec.cacheSeconds} {`,
        `        disable success ${d}`,
        `        disable denial ${d}`,
        "    }",
        "    loop",
        "    reload",
        "    loadbalance",
        "}",
    ];
    return lines.join("\n") + "\n";
}

type Obj = Record<string, unknown>;

/**
 * The Kubernetes objects of the cluster DNS add-on, in apply order: ServiceAccount, ClusterRole,
 * ClusterRoleBinding, ConfigMap (the Corefile), Deployment, PodDisruptionBudget, Service.
 * The replicas tolerate the control-plane taint, prefer control-plane nodes (always present, not
 * drained by worker rolls) and different nodes from each other; the budget keeps all but one
 * running through drains. Pure.
 */
export function renderCoreDnsObjects(spec: CoreDnsSpec): Obj[] {
    const corefile = renderCorefile(spec);
    const ns = COREDNS.namespace;
    const labels = { ...COREDNS_SELECTOR, "app.kubernetes.io/managed-by": "ha-kubernetes" };
    const meta = (name: string, namespaced = true): Obj => ({ name, ...(namespaced ? { namespace: ns } : {}), labels });
    const hostnameTerm = { labelSelector: { matchLabels: { ...COREDNS_SELECTOR } }, topologyKey: "kubernetes.io/hostname" };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(COREDNS.name) },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: meta("system:coredns", false),
            rules: [
                { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
                { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: meta("system:coredns", false),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
            subjects: [{ kind: "ServiceAccount", name: COREDNS.name, namespace: ns }],
        },
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta(COREDNS.name), data: { Corefile: corefile } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta(COREDNS.name),
            spec: {
                replicas: spec.replicas,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } },
                selector: { matchLabels: { ...COREDNS_SELECTOR } },
                template: {
                    metadata: { labels: { ...COREDNS_SELECTOR } },
                    spec: {
                        priorityClassName: "system-cluster-critical",
                        serviceAccountName: COREDNS.name,
                        nodeSelector: { "kubernetes.io/os": "linux" },
                        tolerations: [
                            { key: "CriticalAddonsOnly", operator: "Exists" },
                            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
                        ],
                        affinity: {
                            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: hostnameTerm }] },
                            nodeAffinity: {
                                preferredDuringSchedulingIgnoredDuringExecution: [
                                    { weight: 50, preference: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] } },
                                ],
                            },
                        },
                        topologySpreadConstraints: [
                            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...COREDNS_SELECTOR } } },
                        ],
                        containers: [
                            {
                                name: "coredns",
                                image: spec.image,
                                imagePullPolicy: "IfNotPresent",
                                args: ["-conf", "/etc/coredns/Corefile"],
                                resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
                                volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
                                ports: [
                                    { name: "dns", containerPort: 53, protocol: "UDP" },
                                    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                                    { name: "metrics", containerPort: 9153, protocol: "TCP" },
                                ],
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                                    readOnlyRootFilesystem: true,
                                },
                                livenessProbe: {
                                    httpGet: { path: "/health", port: 8080, scheme: "HTTP" },
                                    initialDelaySeconds: 60,
                                    timeoutSeconds: 5,
                                    successThreshold: 1,
                                    failureThreshold: 5,
                                },
                                readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
                            },
                        ],
                        dnsPolicy: "Default",
                        volumes: [{ name: "config-volume", configMap: { name: COREDNS.name, items: [{ key: "Corefile", path: "Corefile" }] } }],
                    },
                },
            },
        },
        {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta(COREDNS.name),
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...COREDNS_SELECTOR } } },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: {
                ...meta(COREDNS.service),
                labels: { ...labels, "kubernetes.io/name": "CoreDNS", "kubernetes.io/cluster-service": "true" },
                annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
            },
            spec: {
                selector: { ...COREDNS_SELECTOR },
                clusterIP: spec.clusterIp,
                ports: [
                    { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
                    { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
                    { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
                ],
            },
        },
    ];
}
