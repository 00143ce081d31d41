import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, Recorded, settle } from "./mocks";
import { HaKubernetesCluster } from "../../components/cluster";
import { ClusterPki } from "../../components/clusterPki";
import { clusterHosts } from "../../components/connection";
import { EtcdCluster } from "../../components/etcdCluster";
import { LoadBalancer } from "../../components/loadBalancer";
import { resolveArtifactSource } from "../../components/artifacts";
import { allFiles, baseCluster } from "./fixtures";

const seen = installMocks();

/** Every resource whose name starts with `prefix`, by name, with its resolved inputs. */
function under(prefix: string): Map<string, Recorded["inputs"]> {
    return new Map([...seen.values()].filter((r) => r.name.startsWith(prefix)).map((r) => [r.name, r.inputs]));
}

/**
 * Library users give the components settings; the cluster gives them its plan's slices. Both go
 * through the same planning function, so the same settings make the same resources, and a
 * settings problem stops the component before it registers anything.
 */
describe("component arguments: settings (library users) and plan slices (the cluster)", () => {
    const args = baseCluster();
    const validity = { validityHours: 8760, earlyRenewalHours: 720 };
    let fromPlan: { etcd: Map<string, Recorded["inputs"]>; lb: Map<string, Recorded["inputs"]> };

    beforeAll(async () => {
        seen.clear();
        const cluster = new HaKubernetesCluster(args.clusterName, args, {}, allFiles);
        await promiseOf(cluster.ready);
        await settle();
        fromPlan = { etcd: under("lab-etcd-"), lb: under("lab-lb-") };
    });

    it("EtcdCluster and LoadBalancer from settings make exactly the resources the cluster's plan made", async () => {
        seen.clear();
        const hosts = clusterHosts(args.hosts, args.ssh);
        const masters = hosts.filter((h) => h.name.startsWith("m"));
        const pki = new ClusterPki("lab-pki", { clusterName: "lab", caValidityHours: 87600 });
        const etcd = new EtcdCluster("lab-etcd", {
            members: masters,
            ca: pki.etcdCa,
            artifacts: resolveArtifactSource(args.artifacts, args.versions),
            validity,
            clusterToken: "lab",
        });
        const lb = new LoadBalancer("lab-lb", { mode: "haproxy-keepalived", backends: masters, vip: "10.213.0.100" });
        await promiseOf(pulumi.all([etcd.ready, lb.ready]));
        await settle();
        const fromSettings = { etcd: under("lab-etcd-"), lb: under("lab-lb-") };
        expect(fromPlan.etcd.size).toBeGreaterThan(30);
        expect(fromPlan.lb.size).toBeGreaterThan(10);
        expect([...fromSettings.etcd.keys()].sort()).toEqual([...fromPlan.etcd.keys()].sort());
        expect([...fromSettings.lb.keys()].sort()).toEqual([...fromPlan.lb.keys()].sort());
        // the cluster's connections wait on the preflight; their values are the same
        for (const part of ["etcd", "lb"] as const) for (const [n, inputs] of fromPlan[part]) expect(fromSettings[part].get(n)).toEqual(inputs);
        expect(await promiseOf(lb.endpoint)).toBe("https://10.213.0.100:8443");
        expect(await promiseOf(etcd.endpoints)).toEqual(["https://10.213.0.11:2379", "https://10.213.0.12:2379", "https://10.213.0.13:2379"]);
    });

    it("bad settings: one InputPropertiesError and nothing registered", async () => {
        seen.clear();
        const hosts = clusterHosts(args.hosts, args.ssh);
        const pki = { certPem: pulumi.output("x"), keyPem: pulumi.output("y") } as never;
        expect(() => new EtcdCluster("bad-etcd", { members: hosts.slice(0, 2), ca: pki, artifacts: { kind: "download", baseUrl: "", sha256: {} } as never, validity })).toThrow(
            pulumi.InputPropertiesError,
        );
        expect(() => new LoadBalancer("bad-lb", { mode: "haproxy-keepalived", backends: hosts.slice(0, 3), vip: "not-an-ip", port: 6443 })).toThrow(/IPv4 VIP/);
        const su = hosts.slice(0, 3).map((h) => ({ ...h, become: "su" as never }));
        expect(() => new EtcdCluster("bad-etcd-become", { members: su, ca: pki, artifacts: { kind: "download", baseUrl: "", sha256: {} } as never, validity })).toThrow(
            /members\[0\]\.become: unknown become "su" \(known: sudo/,
        );
        await settle();
        expect([...seen.keys()].filter((n) => n.startsWith("bad-"))).toEqual([]);
    });
});
