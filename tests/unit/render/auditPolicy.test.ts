import YAML from "yaml";
import { renderAuditPolicy } from "../../../components/render/auditPolicy";

interface Rule {
    level: string;
    users?: string[];
    userGroups?: string[];
    verbs?: string[];
    nonResourceURLs?: string[];
    namespaces?: string[];
    resources?: Array<{ group: string; resources: string[] }>;
}

/** First-match evaluation of a policy for a resource request (enough for these rules). */
function levelFor(rules: Rule[], req: { user: string; groups?: string[]; verb: string; group?: string; resource?: string; namespace?: string; url?: string }): string {
    for (const r of rules) {
        if (r.users && !r.users.includes(req.user)) continue;
        if (r.userGroups && !r.userGroups.some((g) => (req.groups ?? []).includes(g))) continue;
        if (r.verbs && !r.verbs.includes(req.verb)) continue;
        if (r.nonResourceURLs) {
            if (!req.url || !r.nonResourceURLs.some((u) => (u.endsWith("*") ? req.url!.startsWith(u.slice(0, -1)) : req.url === u))) continue;
        } else if (req.url && r.resources) continue;
        if (r.namespaces && !r.namespaces.includes(req.namespace ?? "")) continue;
        if (r.resources && !r.resources.some((g) => g.group === (req.group ?? "") && g.resources.includes(req.resource ?? ""))) continue;
        return r.level;
    }
    throw new Error("no rule matched");
}

describe("renderAuditPolicy", () => {
    it("matches the snapshot", () => {
        expect(renderAuditPolicy()).toMatchSnapshot();
    });

    it("is an audit.k8s.io/v1 Policy that omits RequestReceived and ends with a catch-all", () => {
        const text = renderAuditPolicy();
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const p = YAML.parse(text);
        expect(p.apiVersion).toBe("audit.k8s.io/v1");
        expect(p.kind).toBe("Policy");
        expect(p.omitStages).toEqual(["RequestReceived"]);
        expect(p.rules[p.rules.length - 1]).toEqual({ level: "Metadata" });
    });

    it("never logs bodies of secrets, config maps, token reviews or token requests, whatever the level", () => {
        const rules: Rule[] = YAML.parse(renderAuditPolicy({ level: "RequestResponse" })).rules;
        const admin = { user: "admin", groups: ["system:masters"] };
        expect(levelFor(rules, { ...admin, verb: "get", resource: "secrets", namespace: "default" })).toBe("Metadata");
        expect(levelFor(rules, { ...admin, verb: "update", resource: "configmaps", namespace: "default" })).toBe("Metadata");
        expect(levelFor(rules, { ...admin, verb: "create", resource: "serviceaccounts/token", namespace: "default" })).toBe("Metadata");
        expect(levelFor(rules, { ...admin, verb: "create", group: "authentication.k8s.io", resource: "tokenreviews" })).toBe("Metadata");
        expect(levelFor(rules, { ...admin, verb: "create", resource: "pods", namespace: "default" })).toBe("RequestResponse");
    });

    it("drops health probes, kube-proxy watches and events", () => {
        const rules: Rule[] = YAML.parse(renderAuditPolicy()).rules;
        for (const url of ["/healthz", "/livez", "/readyz", "/readyz/etcd", "/metrics"]) {
            expect(levelFor(rules, { user: "system:anonymous", verb: "get", url })).toBe("None");
        }
        expect(levelFor(rules, { user: "system:kube-proxy", verb: "watch", resource: "endpoints" })).toBe("None");
        expect(levelFor(rules, { user: "system:kube-proxy", verb: "watch", resource: "services" })).toBe("None");
        expect(levelFor(rules, { user: "system:kube-proxy", verb: "watch", group: "discovery.k8s.io", resource: "endpointslices" })).toBe("None");
        expect(levelFor(rules, { user: "system:kube-proxy", verb: "create", resource: "services" })).toBe("Metadata");
        expect(levelFor(rules, { user: "alice", verb: "create", resource: "events", namespace: "default" })).toBe("None");
        expect(levelFor(rules, { user: "alice", verb: "get", url: "/api" })).toBe("Metadata");
    });

    it("takes a level and omitted stages, and rejects bad ones", () => {
        const p = YAML.parse(renderAuditPolicy({ level: "Request", omitStages: ["RequestReceived", "ResponseStarted"] }));
        expect(p.omitStages).toEqual(["RequestReceived", "ResponseStarted"]);
        expect(p.rules[p.rules.length - 1]).toEqual({ level: "Request" });
        expect(YAML.parse(renderAuditPolicy({ omitStages: [] }))).not.toHaveProperty("omitStages");
        expect(() => renderAuditPolicy({ level: "None" as never })).toThrow(/audit level/);
        expect(() => renderAuditPolicy({ omitStages: ["Received" as never] })).toThrow(/audit stage/);
    });
});
