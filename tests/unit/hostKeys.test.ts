import { utils } from "ssh2";
import { clusterSshEndpoints, resolveHostKeys } from "../../components/hostKeys";
import { connectionFor } from "../../components/connection";
import { validateCluster } from "../../components/validation";
import { fingerprint } from "../../lib/hostKeys";
import { contentSha256, fileDiff } from "../../providers/managedFile";
import { serviceDiff } from "../../providers/managedService";
import { reachChanged } from "../../providers/ssh";
import { HaKubernetesCluster } from "../../components/cluster";
import { allFiles, baseCluster, noFiles, TEST_SSH_KEY } from "./fixtures";
import { installMocks, promiseOf, settle } from "./mocks";

const key = () => utils.generateKeyPairSync("ed25519").public.trim().split(/\s+/).slice(0, 2).join(" ");

describe("SSH host keys of a cluster", () => {
    const [k1, k2, k3, kb] = [key(), key(), key(), key()];

    it("lists every host's sshd and each bastion once, bastions first, with the pinned keys", () => {
        const args = baseCluster({
            ssh: { privateKey: TEST_SSH_KEY, bastion: { address: "10.213.0.2", hostKey: kb } },
            hosts: [
                { name: "m1", address: "10.213.0.11", roles: ["master"], sshHostKey: k1 },
                { name: "w1", address: "10.213.0.21", roles: ["worker"], ssh: { port: 2222 } },
            ],
        });
        expect(clusterSshEndpoints(args)).toEqual([
            { name: "bastion of m1", endpoint: "10.213.0.2:22", pinned: kb },
            { name: "m1", endpoint: "10.213.0.11:22", pinned: k1 },
            { name: "w1", endpoint: "10.213.0.21:2222", pinned: undefined },
        ]);
    });

    it("trusts a new host on first use, then requires the recorded key; a pinned key wins over the record", () => {
        const ends = [
            { name: "m1", endpoint: "a:22" },
            { name: "m2", endpoint: "b:22" },
            { name: "m3", endpoint: "c:22", pinned: k3 },
        ];
        // first use: what they presented
        expect(resolveHostKeys(ends, {}, { "a:22": k1, "b:22": k2, "c:22": k3 })).toEqual({ keys: { "a:22": k1, "b:22": k2, "c:22": k3 }, problems: [] });
        // a later run: the record holds; an unreachable host keeps its recorded key
        expect(resolveHostKeys(ends, { "a:22": k1, "b:22": k2 }, { "a:22": k1 })).toEqual({ keys: { "a:22": k1, "b:22": k2, "c:22": k3 }, problems: [] });
        // a re-installed host accepted by pinning its new key: the pin replaces the record
        expect(resolveHostKeys([{ name: "m1", endpoint: "a:22", pinned: k2 }], { "a:22": k1 }, { "a:22": k2 })).toEqual({ keys: { "a:22": k2 }, problems: [] });
        // a preview: nothing presented, the record and the pins only
        expect(resolveHostKeys(ends, { "a:22": k1 }, {}).keys).toEqual({ "a:22": k1, "c:22": k3 });
    });

    it("a changed key is a problem naming the host, where it answers and both fingerprints", () => {
        const r = resolveHostKeys(
            [
                { name: "w1", endpoint: "10.213.0.21:22" },
                { name: "m3", endpoint: "c:22", pinned: k3 },
            ],
            { "10.213.0.21:22": k1 },
            { "10.213.0.21:22": k2, "c:22": k1 },
        );
        expect(r.problems).toHaveLength(2);
        expect(r.problems[0]).toContain(`the SSH host key of w1 (10.213.0.21:22) changed: expected ${fingerprint(k1)}, it presented ${fingerprint(k2)}; nothing was sent`);
        expect(r.problems[0]).toContain("hosts[].sshHostKey");
        expect(r.problems[1]).toContain(`m3 (c:22) changed: expected ${fingerprint(k3)}, it presented ${fingerprint(k1)}`);
        // the expected keys stay what connections require
        expect(r.keys).toEqual({ "10.213.0.21:22": k1, "c:22": k3 });
    });

    it("every connection carries its host's key and its bastion's: pinned, else the verified one", () => {
        const host = { name: "w1", address: "10.213.0.21", roles: ["worker" as const] };
        const ssh = { privateKey: TEST_SSH_KEY, bastion: { address: "10.213.0.2" } };
        const c = connectionFor(host, ssh, undefined, { "10.213.0.21:22": k1, "10.213.0.2:22": kb });
        expect(c.hostKey).toBe(k1);
        expect((c.proxy as { hostKey?: string }).hostKey).toBe(kb);
        expect(connectionFor({ ...host, sshHostKey: k2 }, ssh, undefined, { "10.213.0.21:22": k1 }).hostKey).toBe(k2);
        expect(connectionFor(host, { privateKey: TEST_SSH_KEY }).hostKey).toBeUndefined();
    });

    it("validation: a pinned key must be `<type> <base64>` of that type", () => {
        const args = baseCluster({
            ssh: { privateKey: TEST_SSH_KEY, bastion: { address: "10.213.0.2", hostKey: "SHA256:abc" } },
            hosts: [
                { name: "m1", address: "10.213.0.11", roles: ["master"], sshHostKey: "/etc/ssh/ssh_host_ed25519_key.pub" },
                { name: "m2", address: "10.213.0.12", roles: ["master"], sshHostKey: k1 },
                { name: "m3", address: "10.213.0.13", roles: ["master"] },
                { name: "w1", address: "10.213.0.21", roles: ["worker"] },
            ],
            sshHostKeys: { "10.213.0.21:22": "ssh-ed25519 bm90IGEga2V5" },
        });
        const p = validateCluster(args, noFiles).filter((x) => /ost ?[kK]ey/.test(x.propertyPath));
        expect(p.map((x) => x.propertyPath)).toEqual(["hosts[0].sshHostKey", "ssh.bastion.hostKey", "sshHostKeys[10.213.0.21:22]"]);
        expect(p[0].reason).toMatch(/^the SSH host key must start with a host key type/);
        expect(p.some((x) => x.reason.includes("/etc/ssh") || x.reason.includes("bm90"))).toBe(false);
    });
});

describe("a cluster given verified host keys", () => {
    const seen = installMocks();
    it("sends every remote resource's connection (and the preflight's) with its host's key", async () => {
        const args = baseCluster();
        const keys = Object.fromEntries(args.hosts.map((h) => [`${h.address}:22`, key()]));
        seen.clear();
        const cluster = new HaKubernetesCluster(args.clusterName, { ...args, sshHostKeys: keys }, {}, allFiles);
        await promiseOf(cluster.ready);
        await settle();
        const byAddress = (c: { host: string; port?: number }) => keys[`${c.host}:${c.port ?? 22}`];
        const remote = [...seen.values()].filter((r) => r.inputs.connection?.host);
        expect(remote.length).toBeGreaterThan(300);
        for (const r of remote) expect({ name: r.name, hostKey: r.inputs.connection.hostKey }).toEqual({ name: r.name, hostKey: byAddress(r.inputs.connection) });
        const pre = [...seen.values()].find((r) => r.name === "lab-preflight")!;
        for (const h of pre.inputs.hosts) expect(h.connection.hostKey).toBe(byAddress(h.connection));
    });
});

describe("providers' diffs when only the required host key changed", () => {
    it("update (never replace) what they recorded, so that a later delete or refresh uses the new key", () => {
        const conn = { host: "10.213.0.21", user: "root", hostKey: key() };
        const rekeyed = { ...conn, hostKey: key() };
        const file = { host: "w1", connection: conn, path: "/etc/x", content: "x", mode: "0644", exists: true, sha256: contentSha256("x"), writes: 1 };
        expect(fileDiff(file, { ...file, connection: conn })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
        expect(fileDiff(file, { ...file, connection: rekeyed })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        const svc = { host: "w1", connection: conn, unit: "kubelet", active: true, enabled: true };
        expect(serviceDiff(svc, svc).changes).toBe(false);
        expect(serviceDiff(svc, { ...svc, connection: rekeyed })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        expect(reachChanged(conn, { ...conn, proxy: { host: "10.213.0.2" } })).toBe(true);
        expect(reachChanged(conn, { ...conn })).toBe(false);
    });
});
