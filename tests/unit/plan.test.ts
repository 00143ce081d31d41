import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { HostArgs, Role } from "../../components/config";
import { planLoadBalancer } from "../../components/loadBalancerPlan";
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
    it("decides the reference cluster: VIP endpoint, etcd peers and SANs, every node, defaults applied", () => {
        const p = plan();
        expect(p.loadBalancer).toEqual({
            mode: "haproxy-keepalived",
            backends: ["m1", "m2", "m3"].map((n, i) => ({ name: n, address: `10.213.0.${11 + i}` })),
            backendPort: 6443,
            port: 8443,
            maxConnections: undefined,
            healthTimeoutSec: 120,
            endpoint: { host: "10.213.0.100", port: 8443, url: "https://10.213.0.100:8443" },
            vip: "10.213.0.100",
            vipPrefixLength: 24,
            interface: "eth0",
            virtualRouterId: 51,
            vrrp: { m1: { state: "MASTER", priority: 150 }, m2: { state: "BACKUP", priority: 140 }, m3: { state: "BACKUP", priority: 130 } },
        });
        expect(p.etcd).toMatchObject({ clusterToken: "lab", clientPort: 2379, peerPort: 2380, keepDataOnDestroy: true, quorum: 2, healthTimeoutSec: 180 });
        expect(p.etcd.members.map((x) => `${x.name}=${x.peerUrl}|${x.clientUrl}`)).toEqual([
            "m1=https://10.213.0.11:2380|https://10.213.0.11:2379",
            "m2=https://10.213.0.12:2380|https://10.213.0.12:2379",
            "m3=https://10.213.0.13:2380|https://10.213.0.13:2379",
        ]);
        expect(p.etcd.members[0].sans).toEqual({ dnsNames: ["localhost", "m1"], ipAddresses: ["10.213.0.11", "127.0.0.1"] });
        expect(p.controlPlane).toMatchObject({
            endpoint: p.loadBalancer.endpoint,
            serviceCidr: "10.96.0.0/12",
            podCidr: "10.244.0.0/16",
            allocateNodeCidrs: false,
            nodeCidrMaskSize: 24,
            clusterDomain: "cluster.local",
            localUrl: "https://127.0.0.1:6443",
            adminGroup: "ha-kubernetes:cluster-admins",
            exportBreakGlassKubeconfig: false,
        });
        expect(p.controlPlane.sans.ipAddresses).toEqual(["10.213.0.100", "10.213.0.11", "10.213.0.12", "10.213.0.13", "10.96.0.1", "127.0.0.1"]);
        expect(p.controlPlane.sans.dnsNames).toContain("kubernetes.default.svc.cluster.local");
        expect(p.hostCidr).toBe("10.213.0.0/24");
        expect(p.nodes).toMatchObject({
            podNetwork: { mode: "bridge" },
            podCidr: "10.244.0.0/16",
            nodeCidrMaskSize: 24,
            serviceCidr: "10.96.0.0/12",
            clusterDomain: "cluster.local",
            clusterDns: "10.96.0.10",
            batchSize: 1,
            drain: true,
            cgroupDriver: "systemd",
            proxyMode: "iptables",
            restartOrder: ["containerd", "kubelet", "kube-proxy"],
            units: ["kubelet", "kube-proxy", "ha-kubernetes-pod-routes"],
        });
        expect(p.nodes.nodes.map((n) => [n.name, n.controlPlane, (n.taints ?? []).map((t) => t.key), n.binaries.includes("kubectl")])).toEqual([
            ["m1", true, [CONTROL_PLANE_TAINT.key], false],
            ["m2", true, [CONTROL_PLANE_TAINT.key], false],
            ["m3", true, [CONTROL_PLANE_TAINT.key], false],
            ["w1", false, [], true],
            ["w2", false, ["dedicated"], true],
        ]);
        expect(p.kubectlHost).toBe("m1");
        expect(p.certificates).toEqual({ caValidityHours: 87600, validityHours: 8760, earlyRenewalHours: 720, renewal: undefined });
    });

    it("gives each load balancer mode its own variant; the endpoint is the VIP, the nginx host or the external address at the balancer's port", () => {
        const nginx = plan(withHosts([m(1), m(2), m(3), w(1), host("lb1", 41, "lb")], { loadBalancer: { mode: "nginx" } }));
        expect(nginx.loadBalancer).toMatchObject({ mode: "nginx", lbHost: { name: "lb1", address: "10.213.0.41" }, port: 6443 });
        expect(nginx.loadBalancer.endpoint.url).toBe("https://10.213.0.41:6443");
        expect(nginx.controlPlane.endpoint.url).toBe("https://10.213.0.41:6443");
        const external = plan(withHosts([m(1), m(2), m(3), w(1)], { loadBalancer: { mode: "external", address: "api.example.test", port: 7443 } }));
        expect(external.loadBalancer).toMatchObject({ mode: "external", externalAddress: "api.example.test", port: 7443 });
        expect(external.loadBalancer.endpoint.url).toBe("https://api.example.test:7443");
        expect(external.controlPlane.sans.dnsNames).toContain("api.example.test");
        expect(plan(baseCluster({ loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.100", port: 9443 } })).loadBalancer.endpoint.url).toBe("https://10.213.0.100:9443");
    });

    it("the LoadBalancer component's settings plan the same way (one derivation)", () => {
        const backends = [m(1), m(2), m(3)];
        expect(planLoadBalancer({ mode: "haproxy-keepalived", backends, vip: "10.0.0.100" }).endpoint).toEqual({ host: "10.0.0.100", port: 8443, url: "https://10.0.0.100:8443" });
        expect(planLoadBalancer({ mode: "nginx", backends, lbHost: host("lb1", 41, "lb") }).endpoint.url).toBe("https://10.213.0.41:6443");
        expect(planLoadBalancer({ mode: "external", backends, externalAddress: "api.example.com", port: 443 }).endpoint.url).toBe("https://api.example.com:443");
        // a plan holds names and addresses only, never a host's other fields (connections)
        expect(planLoadBalancer({ mode: "nginx", backends, lbHost: host("lb1", 41, "lb") }).backends[0]).toEqual({ name: "m1", address: "10.213.0.11" });
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
        expect(p.etcd.members[0].peerUrl).toBe("https://10.213.0.31:3380");
        expect(p.nodes.podNetwork).toEqual({ mode: "flannel", backend: "host-gw", user: "ha-kubernetes:flannel" });
        expect(p.controlPlane).toMatchObject({ allocateNodeCidrs: true, flannelUser: "ha-kubernetes:flannel" });
        expect(p.controlPlane.sans.ipAddresses).toContain("10.100.0.1");
        expect(p.nodes).toMatchObject({ clusterDns: "10.100.0.53", batchSize: 2, drain: false });
        expect(p.nodes.restartOrder).toEqual(["containerd", "kubelet", "kube-proxy", "flanneld", "ha-kubernetes-flannel-cni"]);
        expect(p.nodes.nodes.map((n) => n.name)).toEqual(["m1", "m2", "m3", "w1"]);
        expect(p.nodes.nodes[0].taints).toBeUndefined();
        expect(p.nodes.nodes[0].binaries).toEqual(["kubelet", "kube-proxy", "flanneld"]);
        const none = plan(baseCluster({ network: { hostCidr: "10.213.0.0/24", podNetwork: "none" } }));
        expect(none.nodes.podNetwork).toEqual({ mode: "none" });
        expect(none.nodes.units).toEqual(["kubelet", "kube-proxy"]);
        expect(none.controlPlane.allocateNodeCidrs).toBe(true);
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
                const nodeNames = p.nodes.nodes.map((n) => n.name);
                expect(new Set(nodeNames).size).toBe(nodeNames.length);
                expect(nodeNames).toEqual([...masters.map((h) => h.name), ...workers.filter((h) => !h.roles.includes("master")).map((h) => h.name)]);
                for (const n of p.nodes.nodes) {
                    const h = hosts.find((x) => x.name === n.name)!;
                    expect(n.controlPlane).toBe(h.roles.includes("master"));
                    expect((n.taints ?? []).some((t) => t.key === CONTROL_PLANE_TAINT.key)).toBe(h.roles.includes("master") && !h.roles.includes("worker"));
                }
                expect(p.etcd.members.map((x) => x.name)).toEqual(masters.map((x) => x.name));
                expect(p.nodes.batchSize).toBe(Math.max(1, Math.floor((pct * nodeNames.length) / 100)));
            }),
            { numRuns: 200 },
        );
    });
});

describe("planPreflight: what each host must offer, from its roles", () => {
    const ports = (p: ClusterPlan, h: string) => p.preflight.hosts[h].ports.map((x) => `${x.port} ${x.owners.join("/")}`);

    it("stacked masters: etcd, control plane, haproxy and kubelet ports with their own services as owners; workers the kubelet's", () => {
        const p = plan();
        expect(ports(p, "m1")).toEqual([
            "2379 etcd",
            "2380 etcd",
            "6443 kube-apiserver",
            "8443 haproxy",
            "10250 kubelet",
            "10256 kube-proxy",
            "10257 kube-controller-manager",
            "10259 kube-scheduler",
        ]);
        expect(ports(p, "w1")).toEqual(["10250 kubelet", "10256 kube-proxy"]);
        expect(p.preflight.hosts.m1).toMatchObject({
            supportedOs: ["debian 12", "debian 13"],
            kubelet: true,
            allowSwap: false,
            minMemoryMiB: 1700,
            minVarLibFreeMiB: 2048,
            modules: ["overlay", "br_netfilter"],
        });
        expect(p.preflight.hosts.w1).toMatchObject({ kubelet: true, minMemoryMiB: 1024 });
        expect(p.preflight.maxClockSkewMs).toBe(2000);
        expect(Object.keys(p.preflight.hosts).sort()).toEqual(["m1", "m2", "m3", "w1", "w2"]);
    });

    it("dedicated etcd and an nginx host: their own ports, no kubelet needs, their own floors", () => {
        const p = plan(
            withHosts([m(1), m(2), m(3), e(1), e(2), e(3), w(1), host("lb1", 41, "lb")], { etcd: { topology: "dedicated", clientPort: 12379 }, loadBalancer: { mode: "nginx" } }),
        );
        expect(ports(p, "e1")).toEqual(["2380 etcd", "12379 etcd"]);
        expect(p.preflight.hosts.e1).toMatchObject({ kubelet: false, requireCgroupV2: false, modules: [], minMemoryMiB: 1024 });
        expect(ports(p, "lb1")).toEqual(["6443 nginx"]);
        expect(p.preflight.hosts.lb1).toMatchObject({ kubelet: false, minMemoryMiB: 256, minVarLibFreeMiB: 256 });
        expect(ports(p, "m1")).not.toContain("2379 etcd");
    });

    it("settings apply to every host; allowSwap also lets the kubelet run with swap", () => {
        const p = plan(baseCluster({ preflight: { allowSwap: true, minMemoryMiB: 512, minVarLibFreeMiB: 100, maxClockSkewMs: 500 } }));
        for (const h of Object.values(p.preflight.hosts)) expect(h).toMatchObject({ allowSwap: true, minMemoryMiB: 512, minVarLibFreeMiB: 100 });
        expect(p.preflight.maxClockSkewMs).toBe(500);
        expect(p.nodes.nodes.every((n) => n.kubeletExtraConfig.failSwapOn === false)).toBe(true);
        expect(plan().nodes.nodes.every((n) => n.kubeletExtraConfig.failSwapOn === undefined)).toBe(true);
        expect(plan().preflight.hosts.w1).toMatchObject({ allowSwap: false, requireCgroupV2: true });
    });

    it("follows the kubelet's own settings: failSwapOn false allows swap, failCgroupV1 false allows cgroup v1, per node", () => {
        const hosts = baseCluster().hosts.map((h) => (h.name === "w2" ? { ...h, kubeletExtraConfig: { failSwapOn: false, failCgroupV1: false } } : h));
        const p = plan(withHosts(hosts));
        expect(p.preflight.hosts.w2).toMatchObject({ allowSwap: true, requireCgroupV2: false });
        expect(p.preflight.hosts.w1).toMatchObject({ allowSwap: false, requireCgroupV2: true });
        const pool = plan(baseCluster({ nodes: { kubeletExtraConfig: { failCgroupV1: false } } }));
        expect(Object.values(pool.preflight.hosts).every((h) => !h.requireCgroupV2)).toBe(true);
    });

    it("refuses malformed preflight settings, every one named", () => {
        const problems = validateCluster(baseCluster({ preflight: { allowSwap: "yes", minMemoryMiB: -1, maxClockSkewMs: 1.5, swap: true } as never }), noFiles);
        expect(problems.map((x) => x.propertyPath).sort()).toEqual(["preflight.allowSwap", "preflight.maxClockSkewMs", "preflight.minMemoryMiB", "preflight.swap"]);
    });
});
