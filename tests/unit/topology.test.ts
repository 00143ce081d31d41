import fc from "fast-check";
import { cidrContains, cidrsOverlap, formatCidr, nthAddress, parseCidr, subnetAt, subnetCount } from "../../lib/address";
import {
    allocatePodCidrs,
    apiserverSans,
    clusterDnsIp,
    etcdPeers,
    etcdQuorum,
    initialClusterString,
    keepalivedRoles,
    kubernetesServiceIp,
    podRoutesFor,
    resolveTopology,
} from "../../components/topology";
import { baseCluster } from "./fixtures";

const octet = fc.integer({ min: 0, max: 255 });
const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const cidr = fc.tuple(ip, fc.integer({ min: 8, max: 30 })).map(([a, p]) => {
    const n = a.split(".").reduce((x, o) => x * 256 + Number(o), 0);
    const net = Math.floor(n / 2 ** (32 - p)) * 2 ** (32 - p);
    return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${p}`;
});

describe("cidr math", () => {
    it("parses and formats round-trip", () => {
        fc.assert(fc.property(cidr, (c) => formatCidr(parseCidr(c)) === c));
    });
    it("rejects host bits and garbage", () => {
        expect(() => parseCidr("10.0.0.1/24")).toThrow(/host bits/);
        expect(() => parseCidr("10.0.0.0")).toThrow(/not an IPv4 CIDR/);
        expect(() => parseCidr("300.0.0.0/8")).toThrow();
    });
    it("subnets are inside the parent, disjoint and cover it in order", () => {
        fc.assert(
            fc.property(cidr, fc.integer({ min: 0, max: 4 }), (c, extra) => {
                const p = parseCidr(c).prefix;
                const np = Math.min(32, p + extra);
                const count = Number(subnetCount(c, np));
                const subs = Array.from({ length: Math.min(count, 16) }, (_, i) => subnetAt(c, np, i));
                for (const [i, s] of subs.entries()) {
                    expect(cidrsOverlap(c, s)).toBe(true);
                    expect(cidrContains(c, s.split("/")[0])).toBe(true);
                    for (const t of subs.slice(i + 1)) expect(cidrsOverlap(s, t)).toBe(false);
                }
                expect(() => subnetAt(c, np, count)).toThrow();
            }),
        );
    });
    it("overlap is symmetric and reflexive", () => {
        fc.assert(
            fc.property(cidr, cidr, (a, b) => {
                expect(cidrsOverlap(a, a)).toBe(true);
                expect(cidrsOverlap(a, b)).toBe(cidrsOverlap(b, a));
            }),
        );
    });
    it("service IPs are the 1st and 10th address", () => {
        expect(kubernetesServiceIp("10.96.0.0/12")).toBe("10.96.0.1");
        expect(clusterDnsIp("10.96.0.0/12")).toBe("10.96.0.10");
        expect(clusterDnsIp("10.96.0.0/12", "10.96.0.53")).toBe("10.96.0.53");
        expect(nthAddress("192.168.0.0/30", 3)).toBe("192.168.0.3");
        expect(() => nthAddress("192.168.0.0/30", 4)).toThrow();
    });
});

describe("etcd peers", () => {
    const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), { minLength: 1, maxLength: 7 });
    it("every member appears exactly once in --initial-cluster with its https peer URL", () => {
        fc.assert(
            fc.property(names, (ns) => {
                const members = ns.map((n, i) => ({ name: n, address: `10.0.0.${i + 1}` }));
                const s = initialClusterString(etcdPeers(members));
                const entries = s.split(",");
                expect(entries).toHaveLength(members.length);
                for (const m of members) expect(entries).toContain(`${m.name}=https://${m.address}:2380`);
            }),
        );
    });
    it("quorum is a strict majority", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 99 }), (n) => {
                const q = etcdQuorum(n);
                expect(q * 2).toBeGreaterThan(n);
                expect((q - 1) * 2).toBeLessThanOrEqual(n);
            }),
        );
    });
});

describe("apiserver SANs", () => {
    it("contain the VIP, every master IP and name, the first service IP and the kubernetes names", () => {
        fc.assert(
            fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 250 }), { minLength: 1, maxLength: 7 }), (lastOctets) => {
                const masters = lastOctets.map((o) => ({ name: `m${o}`, address: `10.1.2.${o}` }));
                const sans = apiserverSans({ masters, serviceCidr: "10.96.0.0/12", clusterDomain: "cluster.local", apiserverHost: "10.1.2.1" });
                expect(sans.ipAddresses).toEqual(expect.arrayContaining(["10.1.2.1", "10.96.0.1", "127.0.0.1", ...masters.map((m) => m.address)]));
                expect(sans.dnsNames).toEqual(expect.arrayContaining(["kubernetes", "kubernetes.default.svc.cluster.local", ...masters.map((m) => m.name)]));
                expect(new Set(sans.ipAddresses).size).toBe(sans.ipAddresses.length);
            }),
        );
    });
    it("puts a DNS load balancer name into dnsNames", () => {
        const sans = apiserverSans({ masters: [], serviceCidr: "10.96.0.0/12", clusterDomain: "k8s.test", apiserverHost: "api.example.test" });
        expect(sans.dnsNames).toContain("api.example.test");
        expect(sans.dnsNames).toContain("kubernetes.default.svc.k8s.test");
    });
});

describe("pod CIDRs", () => {
    it("are unique, inside the pod range, of the node size, and stable when nodes are appended", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10 }), (n, more) => {
                const mk = (k: number) => Array.from({ length: k }, (_, i) => ({ name: `w${i}`, address: `10.0.1.${i + 1}`, roles: ["worker" as const] }));
                const a = allocatePodCidrs(mk(n), "10.244.0.0/16", 24);
                const b = allocatePodCidrs(mk(n + more), "10.244.0.0/16", 24);
                const blocks = [...a.values()];
                expect(new Set(blocks).size).toBe(n);
                for (const blk of blocks) {
                    expect(parseCidr(blk).prefix).toBe(24);
                    expect(cidrsOverlap(blk, "10.244.0.0/16")).toBe(true);
                }
                for (const [k, v] of a) expect(b.get(k)).toBe(v);
            }),
        );
    });
    it("never move when workers come and go: every worker keeps the block it had", () => {
        const names = Array.from({ length: 12 }, (_, i) => `w${i}`);
        fc.assert(
            fc.property(fc.array(fc.subarray(names), { minLength: 1, maxLength: 8 }), (steps) => {
                let state: Record<string, string> = {};
                for (const present of steps) {
                    const next = Object.fromEntries(
                        allocatePodCidrs(
                            present.map((name) => ({ name })),
                            "10.244.0.0/20",
                            24,
                            state,
                        ),
                    );
                    for (const n of present) if (state[n]) expect(next[n]).toBe(state[n]);
                    expect(new Set(Object.values(next)).size).toBe(present.length);
                    for (const blk of Object.values(next)) expect(cidrsOverlap(blk, "10.244.0.0/20") && parseCidr(blk).prefix === 24).toBe(true);
                    state = { ...state, ...next };
                    for (const n of Object.keys(state)) if (!present.includes(n)) delete state[n];
                }
            }),
        );
    });
    it("give a new worker the lowest free block", () => {
        const m = allocatePodCidrs([{ name: "a" }, { name: "c" }], "10.244.0.0/16", 24, { a: "10.244.0.0/24", b: "10.244.1.0/24", c: "10.244.2.0/24" });
        expect(Object.fromEntries(m)).toEqual({ a: "10.244.0.0/24", c: "10.244.2.0/24" });
        const d = allocatePodCidrs([{ name: "a" }, { name: "c" }, { name: "d" }], "10.244.0.0/16", 24, { a: "10.244.0.0/24", c: "10.244.2.0/24" });
        expect(d.get("d")).toBe("10.244.1.0/24");
    });
    it("drop a recorded block that left the pod range or is pinned by another worker", () => {
        const m = allocatePodCidrs([{ name: "a" }, { name: "b", podCidr: "10.244.0.0/24" }], "10.244.0.0/16", 24, { a: "10.244.0.0/24" });
        expect(m.get("a")).toBe("10.244.1.0/24");
        const moved = allocatePodCidrs([{ name: "a" }], "10.245.0.0/16", 24, { a: "10.244.0.0/24" });
        expect(moved.get("a")).toBe("10.245.0.0/24");
        const resized = allocatePodCidrs([{ name: "a" }], "10.244.0.0/16", 25, { a: "10.244.0.0/24" });
        expect(resized.get("a")).toBe("10.244.0.0/25");
    });
    it("keep pinned blocks and skip them for the others", () => {
        const m = allocatePodCidrs([{ name: "a" }, { name: "b", podCidr: "10.244.0.0/24" }], "10.244.0.0/16", 24);
        expect(m.get("b")).toBe("10.244.0.0/24");
        expect(m.get("a")).toBe("10.244.1.0/24");
    });
    it("throw when the range is exhausted", () => {
        const ws = Array.from({ length: 3 }, (_, i) => ({ name: `w${i}`, address: `1.1.1.${i}`, roles: ["worker" as const] }));
        expect(() => allocatePodCidrs(ws, "10.244.0.0/23", 24)).toThrow(/no free/);
    });
    it("routes go to every other node's block via that node", () => {
        const nodes = [
            { name: "a", address: "10.0.0.1" },
            { name: "b", address: "10.0.0.2" },
            { name: "c", address: "10.0.0.3" },
        ];
        const cidrs = new Map([
            ["a", "10.244.0.0/24"],
            ["b", "10.244.1.0/24"],
            ["c", "10.244.2.0/24"],
        ]);
        expect(podRoutesFor("b", nodes, cidrs)).toEqual([
            { cidr: "10.244.0.0/24", via: "10.0.0.1" },
            { cidr: "10.244.2.0/24", via: "10.0.0.3" },
        ]);
    });
});

describe("roles", () => {
    it("stacked etcd runs on the masters; one keepalived MASTER with the top priority", () => {
        const t = resolveTopology(baseCluster());
        expect(t.etcdMembers.map((h) => h.name)).toEqual(["m1", "m2", "m3"]);
        const roles = keepalivedRoles(t.masters);
        expect([...roles.values()].filter((r) => r.state === "MASTER")).toHaveLength(1);
        expect(roles.get("m1")!.priority).toBeGreaterThan(roles.get("m2")!.priority);
        expect(new Set([...roles.values()].map((r) => r.priority)).size).toBe(3);
    });
});
