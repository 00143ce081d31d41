import { renderYamlDocument } from "./yamlDocument";

/** Stages of an audit event (audit.k8s.io/v1). */
export type AuditStage = "RequestReceived" | "ResponseStarted" | "ResponseComplete" | "Panic";

export interface AuditPolicySpec {
    /** Level for requests no specific rule matches. Default "Metadata". */
    readonly level?: "Metadata" | "Request" | "RequestResponse";
    /** Stages not recorded. Default ["RequestReceived"] (every request is logged again on completion). */
    readonly omitStages?: readonly AuditStage[];
}

const STAGES: readonly AuditStage[] = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"];
const LEVELS = ["Metadata", "Request", "RequestResponse"];

/**
 * The rules, first match wins: nothing for health probes and metrics, kube-proxy's and the
 * nodes' routine reads, leader-election renewals and events; only metadata (never bodies) for
 * secrets, config maps, token reviews and service-account token requests; `level` for the rest.
 */
function rules(level: string): object[] {
    return [
        { level: "None", nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/metrics", "/version"] },
        {
            level: "None",
            users: ["system:kube-proxy"],
            verbs: ["watch"],
            resources: [
                { group: "", resources: ["endpoints", "services", "services/status"] },
                { group: "discovery.k8s.io", resources: ["endpointslices"] },
            ],
        },
        { level: "None", userGroups: ["system:nodes"], verbs: ["get"], resources: [{ group: "", resources: ["nodes", "nodes/status"] }] },
        {
            level: "None",
            users: ["system:kube-controller-manager", "system:kube-scheduler"],
            verbs: ["get", "update"],
            namespaces: ["kube-system"],
            resources: [{ group: "coordination.k8s.io", resources: ["leases"] }],
        },
        {
            level: "None",
            resources: [
                { group: "", resources: ["events"] },
                { group: "events.k8s.io", resources: ["events"] },
            ],
        },
        {
            level: "Metadata",
            resources: [
                { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
                { group: "authentication.k8s.io", resources: ["tokenreviews"] },
            ],
        },
        { level },
    ];
}

/** An audit.k8s.io/v1 Policy (see `rules`). Pure. */
export function renderAuditPolicy(spec: AuditPolicySpec = {}): string {
    const level = spec.level ?? "Metadata";
    if (!LEVELS.includes(level)) throw new Error(`bad audit level: ${level}`);
    const omitStages = [...(spec.omitStages ?? ["RequestReceived"])];
    for (const s of omitStages) if (!STAGES.includes(s)) throw new Error(`bad audit stage: ${s}`);
    if (new Set(omitStages).size !== omitStages.length) throw new Error(`duplicate audit stages: ${omitStages.join(",")}`);
    return renderYamlDocument("audit.k8s.io/v1", "Policy", {
        ...(omitStages.length ? { omitStages } : {}),
        rules: rules(level),
    });
}
