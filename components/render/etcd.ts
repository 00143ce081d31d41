import { renderEnvFile, renderSystemdUnit } from "./systemd";
import { PATHS } from "./paths";

/** One etcd member's settings (everything that differs between members). */
export interface EtcdMemberSpec {
    /** Member name; must appear in `initialCluster`. */
    readonly name: string;
    /** Address the member listens on and advertises. */
    readonly ip: string;
    /** Client port. Default 2379. */
    readonly clientPort?: number;
    /** Peer port. Default 2380. */
    readonly peerPort?: number;
    /** Plain-HTTP metrics/health port on 127.0.0.1 only. Default 2381. */
    readonly metricsPort?: number;
    /** Every member with its https peer URL. */
    readonly initialCluster: ReadonlyArray<{ readonly name: string; readonly peerUrl: string }>;
    /** `new` when bootstrapping, `existing` when joining a running cluster. */
    readonly initialClusterState: "new" | "existing";
    readonly initialClusterToken: string;
    /** Default /var/lib/etcd. */
    readonly dataDir?: string;
    /** Milliseconds. Default etcd's (100). */
    readonly heartbeatIntervalMs?: number;
    /** Milliseconds. Default etcd's (1000). */
    readonly electionTimeoutMs?: number;
    /** Bytes. Default etcd's (2 GiB). */
    readonly quotaBackendBytes?: number;
    /** Hours of history kept by periodic compaction. Default 8. */
    readonly autoCompactionRetentionHours?: number;
}

/** The static etcd unit: all settings come from ETCD_* variables in the env file. Pure. */
export function renderEtcdUnit(): string {
    return renderSystemdUnit({
        sections: [
            { name: "Unit", directives: [["Description", "etcd key-value store"], ["Documentation", "https://etcd.io/docs/"], ["After", "network-online.target"], ["Wants", "network-online.target"]] },
            { name: "Service", directives: [
                ["Type", "notify"],
                ["EnvironmentFile", PATHS.etcd.env],
                ["ExecStart", PATHS.bin.etcd],
                ["Restart", "always"],
                ["RestartSec", 5],
                ["TimeoutStartSec", 120],
                ["LimitNOFILE", 65536],
                ["Nice", -10],
            ] },
            { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
    });
}

/** Per-member etcd settings as an EnvironmentFile of variables etcd reads natively. Pure. */
export function renderEtcdEnv(spec: EtcdMemberSpec): string {
    const names = spec.initialCluster.map((m) => m.name);
    if (new Set(names).size !== names.length) throw new Error(`etcd initial cluster has duplicate members: ${names.join(",")}`);
    if (!names.includes(spec.name)) throw new Error(`etcd member ${spec.name} is not in its initial cluster (${names.join(",")})`);
    for (const m of spec.initialCluster) if (!/^https:\/\//.test(m.peerUrl)) throw new Error(`etcd peer URL of ${m.name} must be https: ${m.peerUrl}`);
    const client = spec.clientPort ?? 2379;
    const peer = spec.peerPort ?? 2380;
    const metrics = spec.metricsPort ?? 2381;
    const p = PATHS.etcd;
    const vars: Array<[string, string]> = [
        ["ETCD_NAME", spec.name],
        ["ETCD_DATA_DIR", spec.dataDir ?? p.dataDir],
        ["ETCD_LISTEN_PEER_URLS", `https://${spec.ip}:${peer}`],
        ["ETCD_LISTEN_CLIENT_URLS", `https://${spec.ip}:${client},https://127.0.0.1:${client}`],
        ["ETCD_LISTEN_METRICS_URLS", `http://127.0.0.1:${metrics}`],
        ["ETCD_ADVERTISE_CLIENT_URLS", `https://${spec.ip}:${client}`],
        ["ETCD_INITIAL_ADVERTISE_PEER_URLS", `https://${spec.ip}:${peer}`],
        ["ETCD_INITIAL_CLUSTER", spec.initialCluster.map((m) => `${m.name}=${m.peerUrl}`).join(",")],
        ["ETCD_INITIAL_CLUSTER_STATE", spec.initialClusterState],
        ["ETCD_INITIAL_CLUSTER_TOKEN", spec.initialClusterToken],
        ["ETCD_CLIENT_CERT_AUTH", "true"],
        ["ETCD_TRUSTED_CA_FILE", p.ca],
        ["ETCD_CERT_FILE", p.serverCert],
        ["ETCD_KEY_FILE", p.serverKey],
        ["ETCD_PEER_CLIENT_CERT_AUTH", "true"],
        ["ETCD_PEER_TRUSTED_CA_FILE", p.ca],
        ["ETCD_PEER_CERT_FILE", p.peerCert],
        ["ETCD_PEER_KEY_FILE", p.peerKey],
        ["ETCD_CIPHER_SUITES", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
        ["ETCD_AUTO_COMPACTION_MODE", "periodic"],
        ["ETCD_AUTO_COMPACTION_RETENTION", `${spec.autoCompactionRetentionHours ?? 8}h`],
    ];
    if (spec.heartbeatIntervalMs !== undefined) vars.push(["ETCD_HEARTBEAT_INTERVAL", String(spec.heartbeatIntervalMs)]);
    if (spec.electionTimeoutMs !== undefined) vars.push(["ETCD_ELECTION_TIMEOUT", String(spec.electionTimeoutMs)]);
    if (spec.quotaBackendBytes !== undefined) vars.push(["ETCD_QUOTA_BACKEND_BYTES", String(spec.quotaBackendBytes)]);
    return renderEnvFile(vars);
}
