import YAML from "yaml";
import { hashHeader } from "./header";

export interface AuditPolicySpec {
    /** Level for everything not matched by a specific rule. Default Metadata. */
    readonly level?: "None" | "Metadata" | "Request" | "RequestResponse";
}

/**
 * An audit policy that records who did what without ever logging the bodies of secrets,
 * config maps or token requests, and skips health probes and noisy system watches. Pure.
 */
export function renderAuditPolicy(spec: AuditPolicySpec = {}): string {
    return hashHeader() + YAML.stringify({
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        omitStages: ["RequestReceived"],
        rules: [
            { level: "None", nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/metrics"] },
            { level: "None", users: ["system:kube-proxy"], verbs: ["watch"], resources: [{ group: "", resources: ["endpoints", "services", "services/status"] }, { group: "discovery.k8s.io", resources: ["endpointslices"] }] },
            { level: "None", userGroups: ["system:nodes"], verbs: ["get"], resources: [{ group: "", resources: ["nodes", "nodes/status"] }] },
            { level: "None", users: ["system:kube-controller-manager", "system:kube-scheduler", "system:serviceaccount:kube-system:endpoint-controller"], verbs: ["get", "update"], namespaces: ["kube-system"], resources: [{ group: "", resources: ["endpoints"] }, { group: "coordination.k8s.io", resources: ["leases"] }] },
            { level: "None", resources: [{ group: "", resources: ["events"] }, { group: "events.k8s.io", resources: ["events"] }] },
            { level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] }, { group: "authentication.k8s.io", resources: ["tokenreviews"] }] },
            { level: spec.level ?? "Metadata" },
        ],
    });
}
