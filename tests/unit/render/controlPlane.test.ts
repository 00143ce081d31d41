import YAML from "yaml";
import { apiserverFlags, renderApiserverEnv, renderApiserverUnit } from "../../../components/render/apiserver";
import { renderAuditPolicy } from "../../../components/render/auditPolicy";
import { renderControllerManagerEnv, renderControllerManagerUnit } from "../../../components/render/controllerManager";
import { renderEtcdEnv, renderEtcdUnit } from "../../../components/render/etcd";
import { renderKubeconfig } from "../../../components/render/kubeconfig";
import { renderAdminBindings, renderBootstrapRbac } from "../../../components/render/rbac";
import { renderSchedulerConfig, renderSchedulerEnv, renderSchedulerUnit } from "../../../components/render/scheduler";
import { quoteEnvValue, renderEnvFile, renderSystemdUnit } from "../../../components/render/systemd";
import { renderFlags } from "../../../components/render/flags";

const MEMBERS = [
    { name: "m1", peerUrl: "https://10.213.0.11:2380" },
    { name: "m2", peerUrl: "https://10.213.0.12:2380" },
    { name: "m3", peerUrl: "https://10.213.0.13:2380" },
];
const ETCD = ["https://10.213.0.11:2379", "https://10.213.0.12:2379", "https://10.213.0.13:2379"];
const IP = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;

/** Parses an EnvironmentFile the way systemd does for our quoting (double quotes, backslash escapes). */
function parseEnv(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([A-Z_][A-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(line);
        if (m) out[m[1]] = m[2].replace(/\\(.)/g, "$1");
    }
    return out;
}

describe("systemd serializers", () => {
    it("writes a header, sections and repeated directives", () => {
        const u = renderSystemdUnit({
            sections: [
                {
                    name: "Service",
                    directives: [
                        ["ExecStartPre", ["/bin/a", "/bin/b"]],
                        ["Restart", "always"],
                        ["RemainAfterExit", true],
                    ],
                },
            ],
        });
        expect(u).toMatch(/^# Managed by ha-kubernetes/);
        expect(u).toContain("[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\nRestart=always\nRemainAfterExit=yes\n");
        expect(() => renderSystemdUnit({ sections: [{ name: "Service", directives: [["ExecStart", "a\nb"]] }] })).toThrow(/single line/);
    });
    it("quotes environment values so systemd reads them back exactly", () => {
        for (const v of ["plain", "with space", 'q"uote', "dollar $HOME", "back\\slash", "tick`"]) {
            expect(parseEnv(renderEnvFile([["V", v]])).V).toBe(v);
        }
        expect(() => quoteEnvValue("a\nb")).toThrow();
        expect(() => renderEnvFile([["bad-name", "x"]])).toThrow(/variable name/);
    });
    it("renders flags in order, skips undefined, joins lists, refuses whitespace", () => {
        expect(
            renderFlags([
                ["a", 1],
                ["b", undefined],
                ["c", ["x", "y"]],
                ["d", true],
            ]),
        ).toBe("--a=1 --c=x,y --d=true");
        expect(() => renderFlags([["a", "x y"]])).toThrow(/whitespace/);
    });
});

describe("etcd", () => {
    const env = renderEtcdEnv({ name: "m2", ip: "10.213.0.12", initialCluster: MEMBERS, initialClusterState: "new", initialClusterToken: "lab" });
    it("matches the snapshot", () => {
        expect(env).toMatchSnapshot();
        expect(renderEtcdUnit()).toMatchSnapshot();
    });
    it("lists every member, requires TLS client and peer auth, listens on its IP and loopback", () => {
        const e = parseEnv(env);
        expect(e.ETCD_INITIAL_CLUSTER.split(",")).toEqual(MEMBERS.map((m) => `${m.name}=${m.peerUrl}`));
        expect(e.ETCD_CLIENT_CERT_AUTH).toBe("true");
        expect(e.ETCD_PEER_CLIENT_CERT_AUTH).toBe("true");
        expect(e.ETCD_LISTEN_CLIENT_URLS).toBe("https://10.213.0.12:2379,https://127.0.0.1:2379");
        expect(e.ETCD_ADVERTISE_CLIENT_URLS).toBe("https://10.213.0.12:2379");
        expect(e.ETCD_LISTEN_METRICS_URLS).toBe("http://127.0.0.1:2381");
        expect(e.ETCD_INITIAL_CLUSTER_STATE).toBe("new");
    });
    it("refuses a member missing from the cluster, duplicates and plain-http peers", () => {
        const base = { ip: "10.0.0.1", initialClusterState: "new" as const, initialClusterToken: "t" };
        expect(() => renderEtcdEnv({ ...base, name: "m9", initialCluster: MEMBERS })).toThrow(/not in its initial cluster/);
        expect(() => renderEtcdEnv({ ...base, name: "m1", initialCluster: [...MEMBERS, MEMBERS[0]] })).toThrow(/duplicate/);
        expect(() => renderEtcdEnv({ ...base, name: "m1", initialCluster: [{ name: "m1", peerUrl: "http://10.0.0.1:2380" }] })).toThrow(/https/);
    });
    it("keeps the unit static", () => {
        expect(renderEtcdUnit()).not.toMatch(IP);
        expect(renderEtcdUnit()).toContain("EnvironmentFile=/etc/etcd/etcd.env");
    });
});

describe("kube-apiserver", () => {
    const spec = { advertiseAddress: "10.213.0.11", etcdServers: ETCD, serviceClusterIpRange: "10.96.0.0/12" };
    it("matches the snapshot", () => {
        expect(renderApiserverEnv(spec)).toMatchSnapshot();
        expect(renderApiserverUnit()).toMatchSnapshot();
    });
    it("refuses to let extraArgs weaken security, allows the rest", () => {
        expect(() => apiserverFlags({ ...spec, extraArgs: { "authorization-mode": "AlwaysAllow" } })).toThrow(/cannot be overridden/);
        expect(() => apiserverFlags({ ...spec, extraArgs: { "insecure-port": "8080" } })).toThrow(/cannot be overridden/);
        expect(new Map(apiserverFlags({ ...spec, extraArgs: { "max-requests-inflight": "800" } })).get("max-requests-inflight")).toBe("800");
    });
    it("refuses plain-http etcd", () => {
        expect(() => apiserverFlags({ ...spec, etcdServers: ["http://10.0.0.1:2379"] })).toThrow(/https/);
    });
});

describe("controller-manager and scheduler", () => {
    it("match the snapshots", () => {
        expect(renderControllerManagerEnv({ clusterName: "lab", serviceClusterIpRange: "10.96.0.0/12", allocateNodeCidrs: true, clusterCidr: "10.244.0.0/16" })).toMatchSnapshot();
        expect(renderControllerManagerUnit()).toMatchSnapshot();
        expect(renderSchedulerConfig({})).toMatchSnapshot();
        expect(renderSchedulerEnv({})).toMatchSnapshot();
        expect(renderSchedulerUnit()).toMatchSnapshot();
    });
    it("elect a leader, bind to loopback and use their own credentials", () => {
        const cm = parseEnv(renderControllerManagerEnv({ clusterName: "lab", serviceClusterIpRange: "10.96.0.0/12", allocateNodeCidrs: false })).KUBE_CONTROLLER_MANAGER_ARGS;
        expect(cm).toContain("--leader-elect=true");
        expect(cm).toContain("--bind-address=127.0.0.1");
        expect(cm).toContain("--use-service-account-credentials=true");
        expect(cm).toContain("--allocate-node-cidrs=false");
        expect(cm).not.toContain("cluster-cidr");
        expect(cm).not.toContain("cluster-signing");
        const sched = YAML.parse(renderSchedulerConfig({}));
        expect(sched.leaderElection.leaderElect).toBe(true);
        expect(sched.clientConnection.kubeconfig).toBe("/etc/kubernetes/scheduler.kubeconfig");
        expect(() => renderControllerManagerEnv({ clusterName: "lab", serviceClusterIpRange: "10.96.0.0/12", allocateNodeCidrs: true })).toThrow(/clusterCidr/);
    });
});

describe("kubeconfig", () => {
    const pem = (kind: string, body: string) => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
    const spec = {
        clusterName: "lab",
        server: "https://10.213.0.100:8443",
        caCertPem: pem("CERTIFICATE", "CA"),
        userName: "admin",
        clientCertPem: pem("CERTIFICATE", "CRT"),
        clientKeyPem: pem("EC PRIVATE KEY", "KEY"),
    };
    it("matches the snapshot and decodes back to the PEMs", () => {
        const text = renderKubeconfig(spec);
        expect(text).toMatchSnapshot();
        const k = YAML.parse(text);
        expect(k["current-context"]).toBe("admin@lab");
        expect(k.clusters[0].cluster.server).toBe(spec.server);
        expect(Buffer.from(k.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(spec.caCertPem);
        expect(Buffer.from(k.users[0].user["client-key-data"], "base64").toString()).toBe(spec.clientKeyPem);
    });
    it("refuses http servers and non-PEM material", () => {
        expect(() => renderKubeconfig({ ...spec, server: "http://x:8080" })).toThrow(/https/);
        expect(() => renderKubeconfig({ ...spec, clientKeyPem: "nope" })).toThrow(/not PEM/);
    });
});

describe("audit policy and encryption", () => {
    it("never logs secret bodies and skips health probes", () => {
        const p = YAML.parse(renderAuditPolicy());
        expect(p).toMatchSnapshot();
        const secretsRule = p.rules.find((r: { resources?: Array<{ resources: string[] }> }) => r.resources?.some((x) => x.resources.includes("secrets")));
        expect(secretsRule.level).toBe("Metadata");
        expect(p.rules[0]).toMatchObject({ level: "None", nonResourceURLs: expect.arrayContaining(["/readyz*"]) });
        expect(p.rules[p.rules.length - 1]).toEqual({ level: "Metadata" });
    });
    it("bootstrap RBAC binds the apiserver's kubelet client and, with flannel, flanneld", () => {
        const docs = renderBootstrapRbac({ apiserverKubeletClientUser: "kube-apiserver-kubelet-client", flannelUser: "ha-kubernetes:flannel" });
        expect(docs).toMatchSnapshot();
        const parsed = YAML.parseAllDocuments(docs)
            .map((d) => d.toJSON())
            .filter(Boolean);
        expect(parsed[0].roleRef.name).toBe("system:kubelet-api-admin");
        expect(parsed[0].subjects[0].name).toBe("kube-apiserver-kubelet-client");
        expect(parsed.map((d: { kind: string }) => d.kind)).toEqual(["ClusterRoleBinding", "ClusterRole", "ClusterRoleBinding"]);
        expect(
            YAML.parseAllDocuments(renderBootstrapRbac({ apiserverKubeletClientUser: "x" }))
                .map((d) => d.toJSON())
                .filter(Boolean),
        ).toHaveLength(1);
    });
    it("admin bindings: the admin group and ha-kubernetes' operators to cluster-admin, nothing else; never a system: group", () => {
        const docs = renderAdminBindings({ adminGroup: "ha-kubernetes:cluster-admins" });
        expect(docs).toMatchSnapshot();
        const parsed = YAML.parseAllDocuments(docs)
            .map((d) => d.toJSON())
            .filter(Boolean);
        expect(parsed.map((d: { kind: string; metadata: { name: string }; roleRef: { name: string } }) => [d.kind, d.metadata.name, d.roleRef.name])).toEqual([
            ["ClusterRoleBinding", "ha-kubernetes:cluster-admins", "cluster-admin"],
            ["ClusterRoleBinding", "ha-kubernetes:operators", "cluster-admin"],
        ]);
        expect(parsed[0].subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "ha-kubernetes:cluster-admins" }]);
        expect(parsed[1].subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "ha-kubernetes:operators" }]);
        // a group that looks like another YAML type stays a string
        expect(YAML.parseAllDocuments(renderAdminBindings({ adminGroup: "0755" }))[0].toJSON().subjects[0].name).toBe("0755");
        for (const bad of ["system:masters", "system:nodes", "", "ha-kubernetes:operators", "a b"]) expect(() => renderAdminBindings({ adminGroup: bad })).toThrow();
    });
});
