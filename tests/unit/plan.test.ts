import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { HostArgs, Role } from "../../components/config";
import { assertPlanned, ClusterPlan, planCluster } from "../../components/plan";
import { CONTROL_PLANE_TAINT } from "../../components/topology";
import { validateCluster } from "../../components/validation";
import { baseCluster, noFiles, withHosts } from "./fixtures";

const host = (name: string, n: number, ...roles: Role[]): HostArgs => ({ name, address: `10.213.0.${n}`, roles });
const m = (n: number) => host(`m${n}`, 10 + n, "master");
const w = (n: number) => host(`w${n}`, 20 + n, "worker");
const e = (n: number) => host(`e${n}`, 30 + n, "etcd");

function plan(args = baseCluster()): ClusterPlan {
    const r = planCluster(args, noFiles);
    if (!r.ok) throw new Error(`expected a plan, got problems:\n${r.problems.map((p) => `${p.propertyPath}: ${p.reason}`).join("\n")}`);
    return r.plan;
}

describe("planCluster", () => {
    it("decides the reference cluster: VIP endpoint, etcd peers, every node, defaults applied", () => {
        const p = plan();
        expect(p.apiserver).toEqual({ host: "10.213.0.100", port: 8443, url: "https://10.213.0.100:8443" });
        expect(p.loadBalancer).toEqual({
            mode: "haproxy-keepalived",
            vip: "10.213.0.100",
            vipPrefixLength: 24,
            port: 8443,
            interface: undefined,
            virtualRouterId: undefined,
            maxConnections: undefined,
        });
        expect(p.etcd).toMatchObject({ topology: "stacked", clientPort: 2379, peerPort: 2380 });
        expect(p.etcd.peers.map((x) => `${x.name}=${x.peerUrl}|${x.clientUrl}`)).toEqual([
            "m1=https://10.213.0.11:2380|https://10.213.0.11:2379",
            "m2=https://10.213.0.12:2380|https://10.213.0.12:2379",
            "m3=https://10.213.0.13:2380|https://10.213.0.13:2379",
        ]);
        expect(p.network).toEqual({
            serviceCidr: "10.96.0.0/12",
            podCidr: "10.244.0.0/16",
            nodeCidrMaskSize: undefined,
            hostCidr: "10.213.0.0/24",
            clusterDomain: "cluster.local",
            clusterDns: "10.96.0.10",
            clusterDnsSet: false,
            kubernetesServiceIp: "10.96.0.1",
            podNetwork: { mode: "bridge" },
        });
        expect(p.nodes.map((n) => [n.name, n.controlPlane, (n.taints ?? []).map((t) => t.key)])).toEqual([
            ["m1", true, [CONTROL_PLANE_TAINT.key]],
            ["m2", true, [CONTROL_PLANE_TAINT.key]],
            ["m3", true, [CONTROL_PLANE_TAINT.key]],
            ["w1", false, []],
            ["w2", false, ["dedicated"]],
        ]);
        expect(p.kubectlHost).toBe("m1");
        expect(p.certificates).toEqual({ caValidityHours: 87600, validityHours: 8760, earlyRenewalHours: 720, renewal: undefined });
        expect(p.rollout).toEqual({ maxUnavailable: 1, nodeBatchSize: 1, drain: true });
    });

    it("gives each load balancer mode its own variant", () => {
        const nginx = plan(withHosts([m(1), m(2), m(3), w(1), host("lb1", 41, "lb")], { loadBalancer: { mode: "nginx" } }));
        expect(nginx.loadBalancer).toMatchObject({ mode: "nginx", host: { name: "lb1" }, port: 6443 });
        expect(nginx.apiserver.url).toBe("https://10.213.0.41:6443");
        const external = plan(withHosts([m(1), m(2), m(3), w(1)], { loadBalancer: { mode: "external", address: "api.example.test", port: 7443 } }));
        expect(external.loadBalancer).toEqual({ mode: "external", address: "api.example.test", port: 7443, maxConnections: undefined });
        expect(external.apiserver.url).toBe("https://api.example.test:7443");
    });

    it("dedicated etcd on its own hosts; pod network and DNS variants; a master that is also a worker is not tainted", () => {
        const p = plan(
            withHosts([{ ...m(1), roles: ["master", "worker"] }, m(2), m(3), e(1), e(2), e(3), w(1)], {
                etcd: { topology: "dedicated", peerPort: 3380 },
                network: { hostCidr: "10.213.0.0/24", podNetwork: "flannel", flannelBackend: "host-gw", serviceCidr: "10.100.0.0/16", clusterDns: "10.100.0.53" },
                rollout: { maxUnavailable: "50%", drain: false },
            }),
        );
        expect(p.etcd.members.map((h) => h.name)).toEqual(["e1", "e2", "e3"]);
        expect(p.etcd.peers[0].peerUrl).toBe("https://10.213.0.31:3380");
        expect(p.network.podNetwork).toEqual({ mode: "flannel", backend: "host-gw" });
        expect(p.network).toMatchObject({ clusterDns: "10.100.0.53", clusterDnsSet: true, kubernetesServiceIp: "10.100.0.1" });
        expect(p.nodes.map((n) => n.name)).toEqual(["m1", "m2", "m3", "w1"]);
        expect(p.nodes[0].taints).toBeUndefined();
        expect(p.rollout).toEqual({ maxUnavailable: "50%", nodeBatchSize: 2, drain: false });
        expect(plan(baseCluster({ network: { hostCidr: "10.213.0.0/24", podNetwork: "none" } })).network.podNetwork).toEqual({ mode: "none" });
    });

    it("bad input: the complete list of problems and no plan; assertPlanned throws them as one InputPropertiesError", () => {
        const bad = withHosts([m(1), m(2), w(1)], { loadBalancer: { mode: "haproxy-keepalived", vip: "10.9.9.9" }, rollout: { maxUnavailable: 0 } });
        const r = planCluster(bad, noFiles);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.problems).toEqual(validateCluster(bad, noFiles));
        expect(r.problems.map((p) => p.propertyPath)).toEqual(expect.arrayContaining(["hosts", "loadBalancer.vip", "rollout.maxUnavailable"]));
        expect(() => assertPlanned("ha-kubernetes configuration", r)).toThrow(pulumi.InputPropertiesError);
        expect(() => assertPlanned("ha-kubernetes configuration", r)).toThrow(/ha-kubernetes configuration is invalid \(\d+ problems\); nothing was changed on any host/);
    });

    it("property: any valid mix of masters, workers and dual-role hosts plans every node once, masters first, tainted unless also workers", () => {
        const kinds = fc.array(fc.constantFrom<"master" | "worker" | "both">("master", "worker", "both"), { minLength: 2, maxLength: 14 });
        fc.assert(
            fc.property(kinds, fc.integer({ min: 1, max: 100 }), (ks, pct) => {
                const hosts = ks.map((k, i) => host(`h${i}`, 20 + i, ...(k === "both" ? (["master", "worker"] as Role[]) : [k])));
                const masters = hosts.filter((h) => h.roles.includes("master"));
                const workers = hosts.filter((h) => h.roles.includes("worker"));
                const args = withHosts(hosts, {
                    etcd: { allowSingleMember: true },
                    loadBalancer: { mode: "external", address: "api.example.test" },
                    rollout: { maxUnavailable: `${pct}%` },
                });
                const r = planCluster(args, noFiles);
                const fine = masters.length % 2 === 1 && masters.length <= 7 && workers.length > 0;
                expect(r.ok).toBe(fine);
                if (!r.ok) return;
                const p = r.plan;
                const nodeNames = p.nodes.map((n) => n.name);
                expect(new Set(nodeNames).size).toBe(nodeNames.length);
                expect(nodeNames).toEqual([...masters.map((h) => h.name), ...workers.filter((h) => !h.roles.includes("master")).map((h) => h.name)]);
                for (const n of p.nodes) {
                    const h = hosts.find((x) => x.name === n.name)!;
                    expect(n.controlPlane).toBe(h.roles.includes("master"));
                    expect((n.taints ?? []).some((t) => t.key === CONTROL_PLANE_TAINT.key)).toBe(h.roles.includes("master") && !h.roles.includes("worker"));
                }
                expect(p.etcd.members.map((x) => x.name)).toEqual(masters.map((x) => x.name));
                expect(p.rollout.nodeBatchSize).toBe(Math.max(1, Math.floor((pct * p.nodes.length) / 100)));
            }),
            { numRuns: 200 },
        );
    });
});
