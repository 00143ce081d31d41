import { EtcdMemberSpec, etcdClientUrl, etcdPeerUrl, renderEtcdEnv, renderEtcdSysusers, renderEtcdUnit } from "../../../components/render/etcd";
import { envVar, envVars, expectEntries, itMatchesSnapshotsPerMaster, MASTERS } from "./controlPlaneFixtures";
import { expectStaticUnit, unitValue } from "./nodeRenderHelpers";

const cluster = MASTERS.map((m) => ({ name: m.name, peerUrl: etcdPeerUrl(m.ip) }));

function member(i: number, extra: Partial<EtcdMemberSpec> = {}): EtcdMemberSpec {
    return {
        name: MASTERS[i].name,
        ip: MASTERS[i].ip,
        initialCluster: cluster,
        initialClusterState: "new",
        initialClusterToken: "ha-kubernetes-etcd",
        ...extra,
    };
}

describe("etcd URLs", () => {
    it("builds https URLs, bracketing IPv6", () => {
        expect(etcdPeerUrl("10.0.0.1")).toBe("https://10.0.0.1:2380");
        expect(etcdClientUrl("10.0.0.1")).toBe("https://10.0.0.1:2379");
        expect(etcdPeerUrl("fd00::1", 12380)).toBe("https://[fd00::1]:12380");
        expect(() => etcdPeerUrl("master-1")).toThrow(/not an IP/);
        expect(() => etcdClientUrl("10.0.0.1", 70000)).toThrow(/port/);
    });
});

describe("renderEtcdUnit", () => {
    it("matches the snapshot", () => {
        const text = renderEtcdUnit();
        expect(text).not.toMatch(/master-/);
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const u = expectStaticUnit(text, "/etc/etcd/etcd.env", "/usr/local/bin/etcd");
        expect(unitValue(u, "Service", "Type")).toBe("notify");
        expect(unitValue(u, "Service", "Restart")).toBe("always");
        expect(Number(unitValue(u, "Service", "LimitNOFILE"))).toBeGreaterThanOrEqual(65536);
        expect(unitValue(u, "Unit", "Wants")).toBe("network-online.target");
    });
});

describe("renderEtcdEnv", () => {
    itMatchesSnapshotsPerMaster("members", renderEtcdEnv, member, {
        master: 1,
        settings: {
            clientPort: 12379,
            peerPort: 12380,
            metricsPort: 12381,
            initialCluster: MASTERS.map((m) => ({ name: m.name, peerUrl: etcdPeerUrl(m.ip, 12380) })),
            initialClusterState: "existing",
            dataDir: "/srv/etcd",
            heartbeatIntervalMs: 250,
            electionTimeoutMs: 2500,
            snapshotCount: 10000,
            quotaBackendBytes: 8 * 1024 ** 3,
            autoCompactionRetention: "1h30m",
        },
    });

    it("lists every member in ETCD_INITIAL_CLUSTER and advertises its own address", () => {
        const env = renderEtcdEnv(member(1));
        expect(envVar(env, "ETCD_INITIAL_CLUSTER")).toBe("master-1=https://10.213.0.11:2380,master-2=https://10.213.0.12:2380,master-3=https://10.213.0.13:2380");
        expect(envVar(env, "ETCD_NAME")).toBe("master-2");
        expect(envVar(env, "ETCD_INITIAL_ADVERTISE_PEER_URLS")).toBe("https://10.213.0.12:2380");
        expect(envVar(env, "ETCD_LISTEN_PEER_URLS")).toBe("https://10.213.0.12:2380");
        expect(envVar(env, "ETCD_ADVERTISE_CLIENT_URLS")).toBe("https://10.213.0.12:2379");
        expect(envVar(env, "ETCD_LISTEN_CLIENT_URLS").split(",")).toEqual(["https://10.213.0.12:2379", "https://127.0.0.1:2379"]);
        expect(envVar(env, "ETCD_INITIAL_CLUSTER_STATE")).toBe("new");
        expect(envVar(env, "ETCD_INITIAL_CLUSTER_TOKEN")).toBe("ha-kubernetes-etcd");
        expect(envVar(env, "ETCD_DATA_DIR")).toBe("/var/lib/etcd");
    });

    it("runs as the etcd user (CIS 1.1.11, 1.1.12): its data directory 0700, its own copies of exactly the files the env names", () => {
        const unit = renderEtcdUnit();
        for (const d of ["User=etcd", "Group=etcd", "StateDirectory=etcd", "StateDirectoryMode=0700", "RuntimeDirectory=etcd", "RuntimeDirectoryMode=0700"])
            expect(unit).toContain(`\n${d}\n`);
        const pre = /^ExecStartPre=\+\/usr\/bin\/install -D -o etcd -g etcd -m 0600 -t \/run\/etcd\/pki (.+)$/m.exec(unit);
        expect(pre).not.toBeNull();
        const copied = pre![1].split(" ").map((f) => `/run/etcd/pki/${f.split("/").pop()}`);
        const read = [...new Map(envVars(renderEtcdEnv(member(0)))).entries()].filter(([k]) => /_(FILE)$/.test(k)).map(([, v]) => v);
        expect([...new Set(read)].sort()).toEqual([...copied].sort());
        expect(renderEtcdSysusers()).toMatch(/^u etcd - "etcd key-value store" \/var\/lib\/etcd \/usr\/sbin\/nologin$/m);
    });

    it("requires TLS with client certificates everywhere; only metrics are plain HTTP, on loopback", () => {
        const vars = new Map(envVars(renderEtcdEnv(member(0))));
        expectEntries(vars, {
            ETCD_CLIENT_CERT_AUTH: "true",
            ETCD_PEER_CLIENT_CERT_AUTH: "true",
            ETCD_AUTO_TLS: "false",
            ETCD_PEER_AUTO_TLS: "false",
            // the etcd user's copies, made from /etc/etcd/pki at each start (see the unit)
            ETCD_TRUSTED_CA_FILE: "/run/etcd/pki/ca.crt",
            ETCD_PEER_TRUSTED_CA_FILE: "/run/etcd/pki/ca.crt",
            ETCD_CERT_FILE: "/run/etcd/pki/server.crt",
            ETCD_KEY_FILE: "/run/etcd/pki/server.key",
            ETCD_PEER_CERT_FILE: "/run/etcd/pki/peer.crt",
            ETCD_PEER_KEY_FILE: "/run/etcd/pki/peer.key",
            ETCD_TLS_MIN_VERSION: "TLS1.2",
            ETCD_LISTEN_METRICS_URLS: "http://127.0.0.1:2381",
        });
        for (const [k, v] of vars) {
            if (k === "ETCD_LISTEN_METRICS_URLS") continue;
            expect(v).not.toMatch(/http:\/\//);
        }
        expect(
            vars
                .get("ETCD_CIPHER_SUITES")!
                .split(",")
                .every((s) => /^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305)$/.test(s)),
        ).toBe(true);
    });

    it("renders only known etcd variables, once each", () => {
        const names = envVars(renderEtcdEnv(member(0, { heartbeatIntervalMs: 200, electionTimeoutMs: 2000, snapshotCount: 5000, quotaBackendBytes: 4e9 }))).map(([k]) => k);
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(n).toMatch(/^ETCD_[A-Z_]+$/);
        expect(names).toEqual(expect.arrayContaining(["ETCD_HEARTBEAT_INTERVAL", "ETCD_ELECTION_TIMEOUT", "ETCD_SNAPSHOT_COUNT", "ETCD_QUOTA_BACKEND_BYTES"]));
        expect(names).not.toContain("ETCD_ENABLE_V2");
    });

    it("uses IPv6 brackets in every URL", () => {
        const env = renderEtcdEnv({
            name: "a",
            ip: "fd00::a",
            initialCluster: [{ name: "a", peerUrl: "https://[fd00::a]:2380" }],
            initialClusterState: "new",
            initialClusterToken: "t",
        });
        expect(envVar(env, "ETCD_LISTEN_PEER_URLS")).toBe("https://[fd00::a]:2380");
        expect(envVar(env, "ETCD_ADVERTISE_CLIENT_URLS")).toBe("https://[fd00::a]:2379");
    });

    it("rejects inconsistent member lists and bad settings", () => {
        expect(() => renderEtcdEnv(member(0, { name: "master-9" }))).toThrow(/not in its initial cluster/);
        expect(() => renderEtcdEnv(member(0, { initialCluster: [...cluster, { name: "master-1", peerUrl: "https://10.213.0.14:2380" }] }))).toThrow(/duplicate member names/);
        expect(() => renderEtcdEnv(member(0, { initialCluster: [...cluster, { name: "master-4", peerUrl: cluster[1].peerUrl }] }))).toThrow(/duplicate peer URLs/);
        expect(() => renderEtcdEnv(member(0, { initialCluster: cluster.map((m) => ({ ...m, peerUrl: m.peerUrl.replace("https", "http") })) }))).toThrow(/must be https/);
        expect(() => renderEtcdEnv(member(0, { initialCluster: [] }))).toThrow(/empty/);
        expect(() => renderEtcdEnv(member(0, { ip: "10.213.0.99" }))).toThrow(/advertises https:\/\/10.213.0.99:2380/);
        expect(() => renderEtcdEnv(member(0, { peerPort: 2390 }))).toThrow(/advertises/);
        expect(() => renderEtcdEnv(member(0, { ip: "master-1" }))).toThrow(/not an IP/);
        expect(() => renderEtcdEnv(member(0, { metricsPort: 2379 }))).toThrow(/must differ/);
        expect(() => renderEtcdEnv(member(0, { initialClusterToken: "a,b" }))).toThrow(/token/);
        expect(() => renderEtcdEnv(member(0, { heartbeatIntervalMs: 500, electionTimeoutMs: 1000 }))).toThrow(/5 ×/);
        expect(() => renderEtcdEnv(member(0, { snapshotCount: 0 }))).toThrow(/positive integer/);
        expect(() => renderEtcdEnv(member(0, { autoCompactionRetention: "8 hours" }))).toThrow(/duration/);
        expect(() => renderEtcdEnv(member(0, { dataDir: "var/lib/etcd" }))).toThrow(/absolute/);
        expect(() => renderEtcdEnv(member(0, { initialClusterState: "joining" as never }))).toThrow(/cluster state/);
    });
});
