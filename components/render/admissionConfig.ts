import { renderYamlDocument } from "./yamlDocument";

/** Pod Security Standards levels. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

/** The cluster-wide Pod Security Admission defaults (namespaces' own labels override them). */
export interface PodSecuritySpec {
    /** Pods that violate it are rejected. Default "baseline". */
    readonly enforce?: PodSecurityLevel;
    /** Violations are returned as warnings. Default "restricted". */
    readonly warn?: PodSecurityLevel;
    /** Violations are recorded in the audit log. Default "restricted". */
    readonly audit?: PodSecurityLevel;
    /** Namespaces the admission leaves alone. Default ["kube-system"]. */
    readonly exemptNamespaces?: readonly string[];
}

export const POD_SECURITY_DEFAULTS = { enforce: "baseline", warn: "restricted", audit: "restricted", exemptNamespaces: ["kube-system"] } as const;

/** What is wrong with a PodSecuritySpec, as [field, reason] pairs. Pure. */
export function podSecurityProblems(spec: PodSecuritySpec): Array<[string, string]> {
    const problems: Array<[string, string]> = [];
    for (const k of ["enforce", "warn", "audit"] as const) {
        const v = spec[k];
        if (v !== undefined && !POD_SECURITY_LEVELS.includes(v)) problems.push([k, `${JSON.stringify(v)} is not a Pod Security level (${POD_SECURITY_LEVELS.join(", ")})`]);
    }
    for (const ns of spec.exemptNamespaces ?? [])
        if (typeof ns !== "string" || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(ns)) problems.push(["exemptNamespaces", `${JSON.stringify(ns)} is not a namespace name`]);
    return problems;
}

/**
 * AdmissionConfiguration (apiserver.config.k8s.io/v1, read by --admission-control-config-file):
 * the PodSecurity plugin's cluster defaults — `enforce` rejects, `warn` and `audit` report, at the
 * latest version of the standards — and its namespace exemptions. Throws on a bad spec. Pure.
 */
export function renderAdmissionConfig(spec: PodSecuritySpec = {}): string {
    const problems = podSecurityProblems(spec);
    if (problems.length) throw new Error(`bad Pod Security settings: ${problems.map(([k, r]) => `${k}: ${r}`).join("; ")}`);
    const level = (k: "enforce" | "warn" | "audit") => spec[k] ?? POD_SECURITY_DEFAULTS[k];
    return renderYamlDocument("apiserver.config.k8s.io/v1", "AdmissionConfiguration", {
        plugins: [
            {
                name: "PodSecurity",
                configuration: {
                    apiVersion: "pod-security.admission.config.k8s.io/v1",
                    kind: "PodSecurityConfiguration",
                    defaults: {
                        enforce: level("enforce"),
                        "enforce-version": "latest",
                        audit: level("audit"),
                        "audit-version": "latest",
                        warn: level("warn"),
                        "warn-version": "latest",
                    },
                    exemptions: { usernames: [], runtimeClasses: [], namespaces: [...(spec.exemptNamespaces ?? POD_SECURITY_DEFAULTS.exemptNamespaces)].sort() },
                },
            },
        ],
    });
}
