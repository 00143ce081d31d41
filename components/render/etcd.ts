import { checkPort, urlHost } from "../../lib/address";
import { PATHS } from "./paths";
import { hashHeader } from "./header";
import { renderEnvFile, renderSystemdUnit } from "./systemd";

/** One etcd member's settings (everything that differs between members). */
export interface EtcdMemberSpec {
    /** Member name (`[A-Za-z0-9._-]`); must appear in `initialCluster`. */
    readonly name: string;
    /** IPv4/IPv6 address the member listens on and advertises (peer and client traffic). */
    readonly ip: string;
    /** Client port (TLS, client certificates required). Default 2379. */
    readonly clientPort?: number;
    /** Peer port (TLS, peer certificates required). Default 2380. */
    readonly peerPort?: number;
    /** Plain-HTTP /health and /metrics port, bound to 127.0.0.1 only (local health checks). Default 2381. */
    readonly metricsPort?: number;
    /** Every member with its https peer URL (see `etcdPeerUrl`), this one included. */
    readonly initialCluster: ReadonlyArray<{ readonly name: string; readonly peerUrl: string }>;
    /** `new` when bootstrapping the cluster, `existing` when joining a running one (after `member add`). */
    readonly initialClusterState: "new" | "existing";
    /** Same on every member of one cluster (`[A-Za-z0-9._-]`); keeps separate clusters apart. */
    readonly initialClusterToken: string;
    /** Absolute path. Default /var/lib/etcd. */
    readonly dataDir?: string;
    /** Leader heartbeat, milliseconds. Default etcd's (100). */
    readonly heartbeatIntervalMs?: number;
    /** Election timeout, milliseconds; at least 5 × heartbeat. Default etcd's (1000). */
    readonly electionTimeoutMs?: number;
    /** Applied entries between snapshots. Default etcd's (100000 in 3.5, 10000 in 3.6). */
    readonly snapshotCount?: number;
    /** Backend size quota, bytes. Default etcd's (2 GiB). */
    readonly quotaBackendBytes?: number;
    /** History kept by periodic compaction, a duration like "8h" or "30m" (a bare number means hours). Default "8h". */
    readonly autoCompactionRetention?: string;
}

/** Default etcd ports. */
export const ETCD_PORTS = { client: 2379, peer: 2380, metrics: 2381 } as const;

/**
 * TLS 1.2 suites etcd accepts (forward secrecy + AEAD only). TLS 1.3 suites are not configurable
 * in Go and stay enabled.
 */
export const ETCD_CIPHER_SUITES = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    // The short names: etcd 3.4 to 3.6 all accept them (3.5+ also take the *_SHA256 spelling).
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
] as const;

/** `https://<ip>:<port>` (IPv6 in brackets): a member's peer URL. Pure. */
export function etcdPeerUrl(ip: string, port: number = ETCD_PORTS.peer): string {
    return `https://${urlHost(ip)}:${checkPort(port, "etcd peer port")}`;
}

/** `https://<ip>:<port>` (IPv6 in brackets): a member's client URL, e.g. for --etcd-servers. Pure. */
export function etcdClientUrl(ip: string, port: number = ETCD_PORTS.client): string {
    return `https://${urlHost(ip)}:${checkPort(port, "etcd client port")}`;
}

/** An etcd member name or initial cluster token. */
export const ETCD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The static etcd unit (identical on every member): every setting comes from the ETCD_*
 * variables of the EnvironmentFile, which etcd reads natively, so ExecStart has no arguments.
 * Type=notify: etcd reports ready only once it has joined a quorum, so on first bootstrap the
 * members must be started without waiting for each other (`systemctl start --no-block`). Pure.
 */
export function renderEtcdUnit(): string {
    return renderSystemdUnit({
        sections: [
            {
                name: "Unit",
                directives: [
                    ["Description", "etcd key-value store"],
                    ["Documentation", "https://etcd.io/docs/"],
                    ["After", "network-online.target"],
                    ["Wants", "network-online.target"],
                ],
            },
            {
                name: "Service",
                directives: [
                    ["Type", "notify"],
                    ["EnvironmentFile", PATHS.etcd.env],
                    // as its own user (CIS 1.1.12): systemd makes the data directory its, 0700 (CIS 1.1.11)
                    ["User", ETCD_USER],
                    ["Group", ETCD_USER],
                    ["StateDirectory", "etcd"],
                    ["StateDirectoryMode", "0700"],
                    ["RuntimeDirectory", "etcd"],
                    ["RuntimeDirectoryMode", "0700"],
                    // "+": as root, the etcd user's copies of what it serves with (removed with /run/etcd when it stops)
                    ["ExecStartPre", `+/usr/bin/install -D -o ${ETCD_USER} -g ${ETCD_USER} -m 0600 -t ${PATHS.etcd.runPkiDir} ${ETCD_RUN_FILES().join(" ")}`],
                    ["ExecStart", PATHS.bin.etcd],
                    ["Restart", "always"],
                    ["RestartSec", 5],
                    ["TimeoutStartSec", 120],
                    ["LimitNOFILE", 65536],
                    // etcd is latency-sensitive: ahead of other work for CPU and disk.
                    ["Nice", -10],
                    ["IOSchedulingClass", "best-effort"],
                    ["IOSchedulingPriority", 0],
                ],
            },
            { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
    });
}

function checkPositiveInt(v: number | undefined, what: string): void {
    if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0)) throw new Error(`etcd ${what} must be a positive integer: ${v}`);
}

/**
 * Mutual TLS on one side of a member (`ETCD_`: its clients, `ETCD_PEER_`: the other members):
 * it serves `cert`/`key` and requires client certificates signed by the etcd CA.
 */
function mutualTlsVars(prefix: "ETCD_" | "ETCD_PEER_", cert: string, key: string): Array<[string, string]> {
    return [
        [`${prefix}CLIENT_CERT_AUTH`, "true"],
        [`${prefix}TRUSTED_CA_FILE`, etcdRunCopy(PATHS.etcd.ca)],
        [`${prefix}CERT_FILE`, etcdRunCopy(cert)],
        [`${prefix}KEY_FILE`, etcdRunCopy(key)],
    ];
}

/** The user etcd runs as (CIS 1.1.12: its data directory is owned by it). */
export const ETCD_USER = "etcd";

/** The PKI files etcd serves with: copied for the etcd user at each start (the originals stay root's, 0600). */
const ETCD_RUN_FILES = () => [PATHS.etcd.ca, PATHS.etcd.serverCert, PATHS.etcd.serverKey, PATHS.etcd.peerCert, PATHS.etcd.peerKey];

/** Where etcd reads a PKI file: its copy in PATHS.etcd.runPkiDir. Pure. */
export function etcdRunCopy(file: string): string {
    return `${PATHS.etcd.runPkiDir}/${file.slice(file.lastIndexOf("/") + 1)}`;
}

/** /etc/sysusers.d/ha-kubernetes-etcd.conf: the etcd system user, its home the data directory, no login. Pure. */
export function renderEtcdSysusers(): string {
    return `${hashHeader()}u ${ETCD_USER} - "etcd key-value store" ${PATHS.etcd.dataDir} /usr/sbin/nologin\n`;
}

/**
 * One member's settings as an EnvironmentFile of the ETCD_* variables etcd (3.5/3.6) reads
 * natively: TLS with client-certificate authentication on both the client and the peer port,
 * clients on the member address and 127.0.0.1, health/metrics in plain HTTP on 127.0.0.1 only,
 * periodic compaction. Throws on an inconsistent member list. Pure.
 */
export function renderEtcdEnv(spec: EtcdMemberSpec): string {
    const client = checkPort(spec.clientPort ?? ETCD_PORTS.client, "etcd client port");
    const peer = checkPort(spec.peerPort ?? ETCD_PORTS.peer, "etcd peer port");
    const metrics = checkPort(spec.metricsPort ?? ETCD_PORTS.metrics, "etcd metrics port");
    if (new Set([client, peer, metrics]).size !== 3) throw new Error(`etcd client, peer and metrics ports must differ: ${client}, ${peer}, ${metrics}`);
    if (!ETCD_NAME.test(spec.name)) throw new Error(`bad etcd member name: ${JSON.stringify(spec.name)}`);
    if (!ETCD_NAME.test(spec.initialClusterToken)) throw new Error(`bad etcd initial cluster token: ${JSON.stringify(spec.initialClusterToken)}`);
    if (spec.initialClusterState !== "new" && spec.initialClusterState !== "existing") throw new Error(`bad etcd initial cluster state: ${spec.initialClusterState}`);
    const peerUrl = etcdPeerUrl(spec.ip, peer);

    const names = spec.initialCluster.map((m) => m.name);
    if (names.length === 0) throw new Error("etcd initial cluster is empty");
    if (new Set(names).size !== names.length) throw new Error(`etcd initial cluster has duplicate member names: ${names.join(",")}`);
    const urls = spec.initialCluster.map((m) => m.peerUrl);
    if (new Set(urls).size !== urls.length) throw new Error(`etcd initial cluster has duplicate peer URLs: ${urls.join(",")}`);
    for (const m of spec.initialCluster) {
        if (!ETCD_NAME.test(m.name)) throw new Error(`bad etcd member name in initial cluster: ${JSON.stringify(m.name)}`);
        let u: URL;
        try {
            u = new URL(m.peerUrl);
        } catch {
            throw new Error(`etcd peer URL of ${m.name} is not a URL: ${m.peerUrl}`);
        }
        if (u.protocol !== "https:" || !u.port || u.pathname !== "/" || u.search || u.hash || u.username || m.peerUrl.endsWith("/")) {
            throw new Error(`etcd peer URL of ${m.name} must be https://<host>:<port>: ${m.peerUrl}`);
        }
    }
    const self = spec.initialCluster.find((m) => m.name === spec.name);
    if (!self) throw new Error(`etcd member ${spec.name} is not in its initial cluster (${names.join(",")})`);
    if (self.peerUrl !== peerUrl) throw new Error(`etcd member ${spec.name}: initial cluster has ${self.peerUrl} but the member advertises ${peerUrl}`);

    for (const [v, what] of [
        [spec.heartbeatIntervalMs, "heartbeat interval"],
        [spec.electionTimeoutMs, "election timeout"],
        [spec.snapshotCount, "snapshot count"],
        [spec.quotaBackendBytes, "quota backend bytes"],
    ] as const) {
        checkPositiveInt(v, what);
    }
    const heartbeat = spec.heartbeatIntervalMs ?? 100;
    const election = spec.electionTimeoutMs ?? 1000;
    if (election < 5 * heartbeat) throw new Error(`etcd election timeout (${election} ms) must be at least 5 × the heartbeat interval (${heartbeat} ms)`);
    const retention = spec.autoCompactionRetention ?? "8h";
    if (!/^(\d+|(?=\d)(\d+h)?(\d+m)?(\d+s)?)$/.test(retention) || /^0+$/.test(retention)) {
        throw new Error(`etcd auto-compaction retention must be a duration like 8h or 30m: ${JSON.stringify(retention)}`);
    }
    const dataDir = spec.dataDir ?? PATHS.etcd.dataDir;
    if (!/^\/[^\s]*$/.test(dataDir) || dataDir === "/") throw new Error(`etcd data dir must be an absolute path: ${JSON.stringify(dataDir)}`);

    const p = PATHS.etcd;
    const vars: Array<[string, string]> = [
        ["ETCD_NAME", spec.name],
        ["ETCD_DATA_DIR", dataDir],
        ["ETCD_LISTEN_PEER_URLS", peerUrl],
        ["ETCD_LISTEN_CLIENT_URLS", `${etcdClientUrl(spec.ip, client)},${etcdClientUrl("127.0.0.1", client)}`],
        ["ETCD_ADVERTISE_CLIENT_URLS", etcdClientUrl(spec.ip, client)],
        ["ETCD_INITIAL_ADVERTISE_PEER_URLS", peerUrl],
        ["ETCD_INITIAL_CLUSTER", spec.initialCluster.map((m) => `${m.name}=${m.peerUrl}`).join(",")],
        ["ETCD_INITIAL_CLUSTER_STATE", spec.initialClusterState],
        ["ETCD_INITIAL_CLUSTER_TOKEN", spec.initialClusterToken],
        // Unauthenticated plain HTTP, so loopback only: /health for local checks, /metrics.
        ["ETCD_LISTEN_METRICS_URLS", `http://127.0.0.1:${metrics}`],
        ...mutualTlsVars("ETCD_", p.serverCert, p.serverKey),
        ...mutualTlsVars("ETCD_PEER_", p.peerCert, p.peerKey),
        ["ETCD_AUTO_TLS", "false"],
        ["ETCD_PEER_AUTO_TLS", "false"],
        ["ETCD_TLS_MIN_VERSION", "TLS1.2"],
        ["ETCD_CIPHER_SUITES", ETCD_CIPHER_SUITES.join(",")],
        ["ETCD_AUTO_COMPACTION_MODE", "periodic"],
        ["ETCD_AUTO_COMPACTION_RETENTION", retention],
    ];
    if (spec.heartbeatIntervalMs !== undefined) vars.push(["ETCD_HEARTBEAT_INTERVAL", String(spec.heartbeatIntervalMs)]);
    if (spec.electionTimeoutMs !== undefined) vars.push(["ETCD_ELECTION_TIMEOUT", String(spec.electionTimeoutMs)]);
    if (spec.snapshotCount !== undefined) vars.push(["ETCD_SNAPSHOT_COUNT", String(spec.snapshotCount)]);
    if (spec.quotaBackendBytes !== undefined) vars.push(["ETCD_QUOTA_BACKEND_BYTES", String(spec.quotaBackendBytes)]);
    return renderEnvFile(vars);
}
