import * as pulumi from "@pulumi/pulumi";
import { ClusterArgs } from "../../components/config";
import { assertValidCluster, Problem, validateCluster, ValidationEnv } from "../../components/validation";
import { allFiles, baseCluster, noFiles, withHosts } from "./fixtures";
import { validateWorkerPool } from "../../components/workerPool";

function reasons(args: ClusterArgs, env: ValidationEnv = noFiles): string[] {
    return validateCluster(args, env).map((p: Problem) => `${p.propertyPath}: ${p.reason}`);
}

function expectProblem(args: ClusterArgs, path: string, pattern: RegExp, env: ValidationEnv = noFiles): void {
    const problems = validateCluster(args, env);
    const hit = problems.find((p) => p.propertyPath === path && pattern.test(p.reason));
    if (!hit) throw new Error(`expected a problem at ${path} matching ${pattern}, got:\n${reasons(args, env).join("\n")}`);
}

const m = (n: number) => ({ name: `m${n}`, address: `10.213.0.${10 + n}`, roles: ["master" as const] });
const w = (n: number) => ({ name: `w${n}`, address: `10.213.0.${20 + n}`, roles: ["worker" as const] });
const e = (n: number) => ({ name: `e${n}`, address: `10.213.0.${30 + n}`, roles: ["etcd" as const] });

/** What assertValidCluster throws for `args` (asserted to be the one InputPropertiesError). */
function validationError(args: Parameters<typeof assertValidCluster>[0]): pulumi.InputPropertiesError {
    let err: unknown;
    try {
        assertValidCluster(args, noFiles);
    } catch (x) {
        err = x;
    }
    expect(pulumi.InputPropertiesError.isInstance(err)).toBe(true);
    return err as pulumi.InputPropertiesError;
}

describe("validateCluster", () => {
    it("accepts the reference cluster", () => {
        expect(reasons(baseCluster())).toEqual([]);
    });

    it("accepts dedicated etcd with an external load balancer", () => {
        const args = withHosts([m(1), m(2), m(3), e(1), e(2), e(3), w(1)], { etcd: { topology: "dedicated" }, loadBalancer: { mode: "external", address: "api.example.test" } });
        expect(reasons(args)).toEqual([]);
    });

    it("accepts nginx on its own host", () => {
        const args = withHosts([m(1), m(2), m(3), w(1), { name: "lb1", address: "10.213.0.41", roles: ["lb"] }], { loadBalancer: { mode: "nginx" } });
        expect(reasons(args)).toEqual([]);
    });

    it("checks cluster DNS settings and image archives", () => {
        expectProblem(baseCluster({ addons: { coredns: { upstreams: ["dns.example"] } } }), "addons.coredns.upstreams[0]", /bad DNS upstream/);
        expectProblem(baseCluster({ addons: { coredns: { replicas: 0 } } }), "addons.coredns.replicas", /positive whole number/);
        expectProblem(baseCluster({ addons: { coredns: { enabled: "no" as never } } }), "addons.coredns.enabled", /true or false/);
        expectProblem(baseCluster({ addons: { metricsServer: true } }), "addons.metricsServer.image", /needs an image: set addons.metricsServer.image/);
        expectProblem(
            baseCluster({ addons: { metricsServer: { image: "ok/ms:v1", replicas: 0, resolutionSeconds: 5 } } }),
            "addons.metricsServer.replicas",
            /positive whole number/,
        );
        expectProblem(baseCluster({ addons: { metricsServer: { image: "ok/ms:v1", resolutionSeconds: 5 } } }), "addons.metricsServer.resolutionSeconds", /at least 10/);
        expectProblem(baseCluster({ addons: { metricsServer: "yes" as never } }), "addons.metricsServer", /true, false or settings/);
        expectProblem(baseCluster({ addons: { imageRepository: "mirror.lab/k8s:v1" } }), "addons.imageRepository", /no tag/);
        expectProblem(baseCluster({ addons: { imageRepository: "bad repo" } }), "addons.imageRepository", /bad image repository/);
        expect(reasons(baseCluster({ addons: { imageRepository: "mirror.lab:5000/k8s", metricsServer: true } }))).toEqual([]);
        expect(reasons(baseCluster({ addons: { metricsServer: { image: "mirror.lab/metrics-server:v0.8.0" } } }))).toEqual([]);
        expectProblem(baseCluster({ addons: { coredns: { image: "bad image" } } }), "addons.coredns.image", /bad image reference/);
        expectProblem(baseCluster({ nodes: { imageArchives: ["/nowhere/coredns.tar"] } }), "nodes.imageArchives[0]", /does not exist/);
        expect(
            reasons(baseCluster({ nodes: { imageArchives: ["/images/coredns.tar"] }, addons: { coredns: { upstreams: [], image: "mirror.lab/coredns:1.13.1" } } }), allFiles),
        ).toEqual([]);
    });

    it("checks the user's manifest files and accepts podNetwork none", () => {
        const env = {
            fileExists: (f: string) => f !== "/missing.yaml",
            readFile: (f: string) => (f === "/bad.yaml" ? "kind: [" : "apiVersion: v1\nkind: Namespace\nmetadata: { name: demo }\n"),
        };
        expectProblem(baseCluster({ addons: { manifests: ["/missing.yaml"] } }), "addons.manifests[0]", /does not exist/, env);
        expectProblem(baseCluster({ addons: { manifests: ["/bad.yaml"] } }), "addons.manifests[0]", /^\/bad.yaml: document 1/, env);
        expectProblem(baseCluster({ addons: { manifests: ["/a.yaml", "/b.yaml"] } }), "addons.manifests[1]", /Namespace demo is declared twice \(also in \/a.yaml\)/, env);
        expect(reasons(baseCluster({ network: { hostCidr: "10.213.0.0/24", podNetwork: "none" }, addons: { manifests: ["/a.yaml"] } }), env)).toEqual([]);
        expectProblem(baseCluster({ network: { podNetwork: "calico" as never } }), "network.podNetwork", /bridge, flannel or none/);
    });

    it("counts the masters as nodes when sizing pod blocks", () => {
        // a /26 holds four /28 blocks: 3 masters + 2 workers do not fit
        expectProblem(
            baseCluster({ network: { hostCidr: "10.213.0.0/24", podCidr: "10.244.0.0/26", nodeCidrMaskSize: 28 } }),
            "network.nodeCidrMaskSize",
            /only 4 blocks of \/28 for 5 nodes/,
        );
    });

    it("rejects an even etcd count", () => {
        expectProblem(withHosts([m(1), m(2), w(1)]), "hosts", /odd number of members.*gives 2/);
        expectProblem(withHosts([m(1), m(2), m(3), e(1), e(2), e(3), e(4), w(1)], { etcd: { topology: "dedicated" } }), "etcd", /odd number.*gives 4/);
    });

    it("rejects a single etcd member unless allowed, and more than 7", () => {
        const one = withHosts([m(1), w(1)], { loadBalancer: { mode: "external", address: "10.213.0.11" } });
        expectProblem(one, "etcd", /needs 3, 5 or 7/);
        expect(reasons({ ...one, etcd: { allowSingleMember: true } })).toEqual([]);
        const nine = withHosts([...Array.from({ length: 9 }, (_, i) => m(i + 1)), w(1)]);
        expectProblem(nine, "etcd", /more than 7/);
    });

    it("rejects duplicate names and addresses", () => {
        const args = withHosts([m(1), { ...m(2), name: "m1" }, { ...m(3), address: "10.213.0.11" }, w(1)]);
        expectProblem(args, "hosts[1].name", /duplicate host name m1/);
        expectProblem(args, "hosts[2].address", /duplicate address 10.213.0.11/);
    });

    it("rejects bad names, addresses and roles", () => {
        const args = withHosts([{ name: "M_1", address: "10.213.0.300", roles: ["boss" as never] }, m(2), m(3), w(1)]);
        expectProblem(args, "hosts[0].name", /DNS label/);
        expectProblem(args, "hosts[0].address", /not an IPv4 address/);
        expectProblem(args, "hosts[0].roles", /unknown role "boss"/);
    });

    it("rejects overlapping CIDRs and hosts inside them", () => {
        expectProblem(baseCluster({ network: { serviceCidr: "10.96.0.0/12", podCidr: "10.100.0.0/16" } }), "network.podCidr", /overlaps service range/);
        expectProblem(baseCluster({ network: { podCidr: "10.213.0.0/16" } }), "network.podCidr", /host m1 \(10.213.0.11\) is inside the pod range/);
        expectProblem(baseCluster({ network: { hostCidr: "10.213.0.0/24", serviceCidr: "10.213.0.0/28" } }), "network.serviceCidr", /overlaps host network/);
        expectProblem(baseCluster({ network: { podCidr: "10.244.0.1/16" } }), "network.podCidr", /host bits/);
    });

    it("rejects a VIP outside the host subnet, on a host, or on the network address", () => {
        expectProblem(baseCluster({ loadBalancer: { mode: "haproxy-keepalived", vip: "10.214.0.100" } }), "loadBalancer.vip", /outside the host network 10.213.0.0\/24/);
        expectProblem(baseCluster({ loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.12" } }), "loadBalancer.vip", /collides with host m2/);
        expectProblem(baseCluster({ loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.0" } }), "loadBalancer.vip", /network or broadcast/);
        expectProblem(baseCluster({ loadBalancer: { mode: "haproxy-keepalived" } }), "loadBalancer.vip", /needs a virtual IP/);
        expectProblem(baseCluster({ loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.0.100", port: 6443 } }), "loadBalancer.port", /pick another port/);
    });

    it("derives the host network from the masters when none is set", () => {
        expectProblem(baseCluster({ network: {}, loadBalancer: { mode: "haproxy-keepalived", vip: "10.213.1.5" } }), "loadBalancer.vip", /outside the host network 10.213.0.0\/24/);
    });

    it("rejects unknown modes", () => {
        expectProblem(baseCluster({ loadBalancer: { mode: "f5" as never } }), "loadBalancer.mode", /unknown load balancer mode "f5"/);
        expectProblem(baseCluster({ network: { podNetwork: "calico" as never } }), "network.podNetwork", /unknown pod network "calico"/);
        expectProblem(baseCluster({ etcd: { topology: "external" as never } }), "etcd.topology", /unknown etcd topology/);
        expectProblem(baseCluster({ artifacts: { source: "ftp" as never } }), "artifacts.source", /unknown artifact source/);
    });

    it("rejects missing SSH credentials and missing key files", () => {
        expectProblem(baseCluster({ ssh: { user: "root" } }), "hosts[0].ssh", /no SSH credentials for host m1/);
        expectProblem(baseCluster({ ssh: { privateKeyPath: "/nonexistent/key" } }), "ssh.privateKeyPath", /does not exist/);
        expect(reasons(baseCluster({ ssh: { privateKeyPath: "/some/key" } }), allFiles)).toEqual([]);
    });

    it("takes ssh.become sudo (also per host) and nothing else", () => {
        const key = baseCluster().ssh.privateKey;
        expect(reasons(baseCluster({ ssh: { user: "deploy", become: "sudo", privateKey: key } }))).toEqual([]);
        expect(reasons(withHosts([{ ...m(1), ssh: { user: "deploy", become: "sudo" } }, m(2), m(3), w(1)]))).toEqual([]);
        expectProblem(
            baseCluster({ ssh: { user: "deploy", become: "su" as never, privateKey: key } }),
            "ssh.become",
            /unknown become "su" \(known: sudo; leave it out to log in as root\)/,
        );
        expectProblem(withHosts([m(1), m(2), { ...m(3), ssh: { become: true as never } }, w(1)]), "hosts[2].ssh.become", /unknown become true/);
    });

    it("rejects bad versions", () => {
        expectProblem(baseCluster({ versions: { kubernetes: "v1.35.0", etcd: "3.6.5" } }), "versions.kubernetes", /1.MINOR.PATCH/);
        expectProblem(baseCluster({ versions: { kubernetes: "1.25.0", etcd: "3.6.5" } }), "versions.kubernetes", /not supported/);
        expectProblem(baseCluster({ versions: { kubernetes: "1.35.0", etcd: "3.4.23" } }), "versions.etcd", /too old/);
    });

    it("refuses registry credentials over plain http", () => {
        expectProblem(baseCluster({ registry: { server: "r:5000", endpoint: "http://r:5000", username: "u", password: "p" } }), "registry.endpoint", /clear text/);
        expect(reasons(baseCluster({ registry: { server: "r:5000", endpoint: "http://r:5000" } }))).toEqual([]);
    });

    it("checks nodes.extraHosts (an IP address and host names each), for the cluster and for a WorkerPool alike", () => {
        const ok = [{ address: "10.213.0.41", names: ["registry.lab.internal"] }];
        expect(reasons(baseCluster({ nodes: { extraHosts: ok } }))).toEqual([]);
        const bad = [
            { address: "10.213.0.300", names: ["registry.lab.internal"] },
            { address: "10.213.0.41", names: ["$(id)"] },
            { address: "10.213.0.42", names: [] },
        ];
        expect(reasons(baseCluster({ nodes: { extraHosts: bad } }))).toEqual([
            'nodes.extraHosts[0].address: "10.213.0.300" is not an IP address',
            'nodes.extraHosts[1].names: names must be a non-empty list of host names (RFC 1123), not ["$(id)"]',
            "nodes.extraHosts[2].names: names must be a non-empty list of host names (RFC 1123), not []",
        ]);
        expectProblem(baseCluster({ nodes: { extraHosts: "10.0.0.1 r" as never } }), "nodes.extraHosts", /must be a list/);
        const pool = validateWorkerPool({ clusterName: "lab", nodes: [{ name: "w1", address: "10.213.0.21", connection: { host: "10.213.0.21" } }], extraHosts: bad } as never);
        expect(pool.map((p) => p.propertyPath)).toEqual(["extraHosts[0].address", "extraHosts[1].names", "extraHosts[2].names"]);
    });

    it("checks packages: the host's own sources, or a mirror with an http(s) URL, apt names and an armored key (text or file)", () => {
        const key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEaxcc3BYJKwYBBAHaRw8BAQdAiGUYbQI6WWYnoS0eIzkI7EXVwTPpTS/o7y+Y\n=ukAB\n-----END PGP PUBLIC KEY BLOCK-----\n";
        expect(reasons(baseCluster({ packages: { source: "host" } }))).toEqual([]);
        expect(reasons(baseCluster({ packages: { source: "mirror", url: "http://10.213.0.1:3142/debian" } }))).toEqual([]);
        expect(reasons(baseCluster({ packages: { source: "mirror", url: "https://m.example/debian/", suite: "trixie", components: ["main", "contrib"], signedBy: key } }))).toEqual(
            [],
        );
        expect(
            reasons(baseCluster({ packages: { source: "mirror", url: "http://m/debian", signedByPath: "/etc/mirror.asc" } }), { fileExists: () => true, readFile: () => key }),
        ).toEqual([]);
        expectProblem(baseCluster({ packages: { source: "apt" } as never }), "packages.source", /unknown package source "apt" \(known: host, mirror\)/);
        expectProblem(baseCluster({ packages: { url: "http://m/debian" } as never }), "packages.url", /a setting of source: mirror/);
        for (const url of [undefined, "ftp://m/debian", "http://m/debian; rm -rf /", "http://m/$(id)", "http://m/a b", "file:///srv/debian"])
            expectProblem(baseCluster({ packages: { source: "mirror", url } as never }), "packages.url", /http:\/\/ or https:\/\/ URL/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", suite: "bookworm main" } }), "packages.suite", /suite name/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", components: [] } }), "packages.components", /non-empty list/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", components: ["main;id"] } }), "packages.components", /non-empty list/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", signedBy: "/etc/mirror.asc" } }), "packages.signedBy", /looks like a file path/);
        expectProblem(
            baseCluster({ packages: { source: "mirror", url: "http://m/d", signedBy: key.replace("PUBLIC", "PRIVATE") } }),
            "packages.signedBy",
            /no single PUBLIC KEY BLOCK/,
        );
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", signedBy: key.replace("mDMEaxcc", "mDME'$(id)") } }), "packages.signedBy", /not base64/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", signedByPath: "/nonexistent.asc" } }), "packages.signedByPath", /does not exist/);
        expectProblem(baseCluster({ packages: { source: "mirror", url: "http://m/d", keyring: "x" } as never }), "packages.keyring", /unknown packages setting/);
    });

    it("needs checksums for downloads and files for local sources", () => {
        expectProblem(baseCluster({ artifacts: { source: "download", baseUrl: "http://x/" } }), "artifacts.sha256.kubelet", /needs the sha256 of kubelet/);
        expect(reasons(baseCluster({ artifacts: { source: "local", directory: "/nope" } })).filter((r) => r.startsWith("artifacts"))).toEqual([
            "artifacts.directory: directory /nope does not exist (examples/fetch-release.sh makes one)",
        ]);
        const partial = { fileExists: (f: string) => f === "/bundle" || f === "/bundle/SHA256SUMS" || /\/(etcd\w*|kubectl)$/.test(f) };
        expect(reasons(baseCluster({ artifacts: { source: "local", directory: "/bundle" } }), partial)).toEqual([
            "artifacts.directory: /bundle lacks kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy",
        ]);
        expect(reasons(baseCluster({ artifacts: { source: "local", directory: "/bundle" } }), allFiles)).toEqual([]);
    });

    it("checks pod block size, pinned blocks and certificate windows", () => {
        expectProblem(baseCluster({ network: { podCidr: "10.244.0.0/24", nodeCidrMaskSize: 24 } }), "network.nodeCidrMaskSize", /holds only 1 blocks/);
        const pinned = withHosts([m(1), m(2), m(3), { ...w(1), podCidr: "10.244.3.0/24" }, { ...w(2), podCidr: "10.244.3.0/24" }]);
        expectProblem(pinned, "hosts[4].podCidr", /pinned by w1 too/);
        expectProblem(baseCluster({ certificates: { validityHours: 100, earlyRenewalHours: 200 } }), "certificates.earlyRenewalHours", /shorter than the validity/);
    });

    it("checks control-plane settings and the renewal value", () => {
        expectProblem(
            baseCluster({ controlPlane: { apiserverExtraArgs: { "authorization-mode": "AlwaysAllow" } } }),
            "controlPlane.apiserverExtraArgs.authorization-mode",
            /managed by ha-kubernetes/,
        );
        expectProblem(baseCluster({ controlPlane: { apiserverExtraArgs: { "--event-ttl": "2h" } } }), "controlPlane.apiserverExtraArgs.--event-ttl", /without dashes/);
        expectProblem(baseCluster({ controlPlane: { auditLogMaxAgeDays: -1 } }), "controlPlane.auditLogMaxAgeDays", /whole number of days/);
        expectProblem(baseCluster({ controlPlane: { serviceNodePortRange: "32000-31000" } }), "controlPlane.serviceNodePortRange", /first-last/);
        expectProblem(baseCluster({ certificates: { renewal: "now; rm -rf /" } }), "certificates.renewal", /short word/);
        expectProblem(baseCluster({ controlPlane: { encryption: { provider: "identity" as never } } }), "controlPlane.encryption.provider", /not one of secretbox, aesgcm, aescbc/);
        expectProblem(baseCluster({ controlPlane: { encryption: { key: "Key 2; rm" } } }), "controlPlane.encryption.key", /bad encryption key name/);
        expectProblem(baseCluster({ controlPlane: { encryption: { resources: ["*.apps"] } } }), "controlPlane.encryption.resources", /no wildcards/);
        expectProblem(baseCluster({ controlPlane: { encryption: { resources: [] } } }), "controlPlane.encryption.resources", /non-empty list/);
        expect(
            validateCluster(
                baseCluster({
                    controlPlane: {
                        apiserverExtraArgs: { "event-ttl": "2h" },
                        auditLogMaxAgeDays: 7,
                        serviceNodePortRange: "30000-31000",
                        encryption: { provider: "aesgcm", key: "2026-12", resources: ["secrets", "configmaps"] },
                    },
                    certificates: { renewal: "2026-11-23" },
                }),
                noFiles,
            ),
        ).toEqual([]);
    });

    it("checks the admin group (never system:masters nor any system: group) and the break-glass export flag", () => {
        expect(reasons(baseCluster({ controlPlane: { adminGroup: "oidc:platform-admins", exportBreakGlassKubeconfig: true } }))).toEqual([]);
        expect(reasons(baseCluster({ controlPlane: { adminGroup: "ha-kubernetes:cluster-admins", exportBreakGlassKubeconfig: false } }))).toEqual([]);
        expectProblem(baseCluster({ controlPlane: { adminGroup: "system:masters" } }), "controlPlane.adminGroup", /system: group \(system:masters cannot be revoked by RBAC\)/);
        expectProblem(baseCluster({ controlPlane: { adminGroup: "system:authenticated" } }), "controlPlane.adminGroup", /is a system: group/);
        expectProblem(baseCluster({ controlPlane: { adminGroup: "" } }), "controlPlane.adminGroup", /non-empty group name/);
        expectProblem(baseCluster({ controlPlane: { adminGroup: 7 as never } }), "controlPlane.adminGroup", /non-empty group name, not 7/);
        expectProblem(baseCluster({ controlPlane: { adminGroup: "admins\nsystem:masters" } }), "controlPlane.adminGroup", /only letters, digits/);
        expectProblem(baseCluster({ controlPlane: { adminGroup: "ha-kubernetes:operators" } }), "controlPlane.adminGroup", /operator group/);
        expectProblem(baseCluster({ controlPlane: { exportBreakGlassKubeconfig: "yes" as never } }), "controlPlane.exportBreakGlassKubeconfig", /true or false, not "yes"/);
    });

    it("refuses system:masters as the admin group in the one InputPropertiesError with every other problem", () => {
        const args = withHosts([m(1), m(2), w(1)], { clusterName: "Bad Name", controlPlane: { adminGroup: "system:masters", exportBreakGlassKubeconfig: 1 as never } });
        const err = validationError(args);
        const paths = (err as pulumi.InputPropertiesError).errors.map((x) => x.propertyPath);
        expect(paths).toEqual(expect.arrayContaining(["clusterName", "hosts", "controlPlane.adminGroup", "controlPlane.exportBreakGlassKubeconfig"]));
        expect((err as Error).message).toMatch(/controlPlane\.adminGroup: admin group "system:masters" is a system: group/);
    });

    it("checks the rollout settings", () => {
        expect(reasons(baseCluster({ rollout: { maxUnavailable: 2, drain: false } }))).toEqual([]);
        expect(reasons(baseCluster({ rollout: { maxUnavailable: "25%" } }))).toEqual([]);
        expectProblem(baseCluster({ rollout: { maxUnavailable: 0 } }), "rollout.maxUnavailable", /whole number of at least 1/);
        expectProblem(baseCluster({ rollout: { maxUnavailable: 1.5 } }), "rollout.maxUnavailable", /whole number of at least 1/);
        expectProblem(baseCluster({ rollout: { maxUnavailable: "0%" } }), "rollout.maxUnavailable", /percentage from 1% to 100%/);
        expectProblem(baseCluster({ rollout: { maxUnavailable: "150%" } }), "rollout.maxUnavailable", /percentage from 1% to 100%/);
        expectProblem(baseCluster({ rollout: { maxUnavailable: true as never } }), "rollout.maxUnavailable", /count or a percentage/);
        expectProblem(baseCluster({ rollout: { drain: "yes" as never } }), "rollout.drain", /true or false/);
        expectProblem(baseCluster({ rollout: { maxSurge: 1 } as never }), "rollout.maxSurge", /unknown rollout setting \(known: maxUnavailable, drain\)/);
        expectProblem(baseCluster({ rollout: [] as never }), "rollout", /must be a mapping/);
    });

    it("checks the scheduled etcd snapshots", () => {
        expect(reasons(baseCluster({ etcd: { scheduledSnapshots: { enabled: false } } }))).toEqual([]);
        expect(reasons(baseCluster({ etcd: { scheduledSnapshots: { intervalMinutes: 60, keep: 48 } } }))).toEqual([]);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: { intervalMinutes: 1 } } }), "etcd.scheduledSnapshots.intervalMinutes", /from 5 to 44640/);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: { intervalMinutes: 7.5 } } }), "etcd.scheduledSnapshots.intervalMinutes", /whole number/);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: { keep: 0 } } }), "etcd.scheduledSnapshots.keep", /from 1 to 1000/);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: { enabled: "yes" as never } } }), "etcd.scheduledSnapshots.enabled", /true or false/);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: { every: "6h" } as never } }), "etcd.scheduledSnapshots.every", /unknown setting/);
        expectProblem(baseCluster({ etcd: { scheduledSnapshots: true as never } }), "etcd.scheduledSnapshots", /must be a mapping/);
    });

    it("checks the etcd snapshot copy directory", () => {
        expectProblem(baseCluster({ etcd: { snapshotCopyDirectory: " " } }), "etcd.snapshotCopyDirectory", /is not a directory path/);
        expectProblem(baseCluster({ etcd: { snapshotCopyDirectory: "a\nb" } }), "etcd.snapshotCopyDirectory", /is not a directory path/);
        expectProblem(baseCluster({ etcd: { snapshotCopyDirectory: 7 as never } }), "etcd.snapshotCopyDirectory", /7 is not a directory path/);
        expect(reasons(baseCluster({ etcd: { snapshotCopyDirectory: "backups/etcd" } }))).toEqual([]);
    });

    it("collects every problem at once", () => {
        const args = withHosts([m(1), m(2), w(1)], {
            clusterName: "Bad Name",
            versions: { kubernetes: "x", etcd: "y" },
            loadBalancer: { mode: "haproxy-keepalived", vip: "1.2.3.4" },
        });
        expect(validateCluster(args, noFiles).length).toBeGreaterThanOrEqual(5);
    });

    it("throws one InputPropertiesError naming every problem", () => {
        const args = withHosts([m(1), m(2), w(1)], { clusterName: "Bad Name" });
        const err = validationError(args);
        const e = err as pulumi.InputPropertiesError;
        expect(e.errors.map((x) => x.propertyPath)).toEqual(expect.arrayContaining(["clusterName", "hosts"]));
        expect(e.message).toMatch(/nothing was changed on any host/);
    });
});
