import { isIpv4 } from "../../lib/address";
import { assertPort, block, comment, directive, HAPROXY_DIALECT, isHostname, renderBlockConfig } from "./blockConfig";

/** One kube-apiserver behind haproxy. */
export interface HaproxyBackend {
    /** Server name in haproxy (logs, stats): letters, digits, `_.-`; unique. */
    readonly name: string;
    /** IPv4 address (or a host name resolvable at haproxy start) of the apiserver. */
    readonly address: string;
    /** Port the apiserver listens on (usually 6443). */
    readonly port: number;
}

export interface HaproxySpec {
    /** Address the frontend binds: an IPv4 address or `*` (all). Default `*`. */
    readonly bindAddress?: string;
    /** Frontend port clients use, e.g. 8443 when haproxy runs on the masters beside an apiserver on 6443. */
    readonly port: number;
    /** The apiservers; at least one, unique names. */
    readonly backends: ReadonlyArray<HaproxyBackend>;
    /**
     * `readyz` (default): HTTPS `GET /readyz` expecting 200 (the apiserver must answer /readyz
     * unauthenticated, as it does with its defaults); `tcp`: TCP connect only.
     */
    readonly healthCheck?: "readyz" | "tcp";
    /** Balancing algorithm. Default `roundrobin`; `leastconn` spreads long-lived watches better. */
    readonly balance?: "roundrobin" | "leastconn";
    /** Path of an admin stats socket (e.g. `/run/haproxy/admin.sock`). Default: none. */
    readonly statsSocket?: string;
    /** global maxconn. Default 20000. */
    readonly maxconn?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function validate(spec: HaproxySpec): void {
    assertPort("haproxy port", spec.port);
    const bind = spec.bindAddress ?? "*";
    if (bind !== "*" && !isIpv4(bind)) throw new Error(`haproxy bindAddress must be "*" or an IPv4 address, got ${JSON.stringify(bind)}`);
    if (!spec.backends || spec.backends.length === 0) throw new Error("haproxy needs at least one backend");
    const names = new Set<string>();
    for (const b of spec.backends) {
        if (!NAME.test(b.name ?? "")) throw new Error(`haproxy backend name ${JSON.stringify(b.name)} must match ${NAME}`);
        if (names.has(b.name)) throw new Error(`duplicate haproxy backend name ${b.name}`);
        names.add(b.name);
        if (!isIpv4(b.address) && !isHostname(b.address)) throw new Error(`haproxy backend ${b.name}: address ${JSON.stringify(b.address)} is not an IPv4 address or host name`);
        assertPort(`haproxy backend ${b.name} port`, b.port);
    }
    if (spec.healthCheck !== undefined && spec.healthCheck !== "readyz" && spec.healthCheck !== "tcp")
        throw new Error(`haproxy healthCheck must be readyz or tcp, got ${JSON.stringify(spec.healthCheck)}`);
    if (spec.balance !== undefined && spec.balance !== "roundrobin" && spec.balance !== "leastconn")
        throw new Error(`haproxy balance must be roundrobin or leastconn, got ${JSON.stringify(spec.balance)}`);
    if (spec.statsSocket !== undefined && !/^\/[A-Za-z0-9_./-]+$/.test(spec.statsSocket))
        throw new Error(`haproxy statsSocket must be an absolute path, got ${JSON.stringify(spec.statsSocket)}`);
    if (spec.maxconn !== undefined && (!Number.isInteger(spec.maxconn) || spec.maxconn < 1)) throw new Error(`haproxy maxconn must be a positive integer, got ${spec.maxconn}`);
}

/**
 * /etc/haproxy/haproxy.cfg for haproxy 2.6 (Debian bookworm): a TCP frontend in front of the
 * kube-apiservers, TLS passed through. Logs go to stdout (the journal under Debian's unit).
 * Timeouts: connect 5s, client/server 1h so that watches are not cut. Pure.
 */
export function renderHaproxyConfig(spec: HaproxySpec): string {
    validate(spec);
    const readyz = (spec.healthCheck ?? "readyz") === "readyz";
    const check = readyz ? ["check", "check-ssl", "verify", "none", "inter", "2s", "fall", 3, "rise", 2] : ["check", "inter", "2s", "fall", 3, "rise", 2];
    return renderBlockConfig(HAPROXY_DIALECT, [
        block(
            "global",
            [],
            [
                directive("log", "stdout", "format", "raw", "local0"),
                directive("maxconn", spec.maxconn ?? 20000),
                directive("chroot", "/var/lib/haproxy"),
                directive("user", "haproxy"),
                directive("group", "haproxy"),
                spec.statsSocket !== undefined && directive("stats", "socket", spec.statsSocket, "mode", 660, "level", "admin"),
            ],
        ),
        block(
            "defaults",
            [],
            [
                directive("mode", "tcp"),
                directive("log", "global"),
                directive("option", "tcplog"),
                directive("option", "dontlognull"),
                directive("retries", 3),
                // a connection a stopping backend refuses is retried on another one
                directive("option", "redispatch"),
                directive("timeout", "connect", "5s"),
                directive("timeout", "client", "1h"),
                directive("timeout", "server", "1h"),
                directive("timeout", "check", "5s"),
            ],
        ),
        comment("kube-apiserver: TLS passthrough"),
        block(
            "frontend",
            ["kube-apiserver"],
            [directive("bind", `${spec.bindAddress ?? "*"}:${spec.port}`), directive("mode", "tcp"), directive("option", "tcplog"), directive("default_backend", "kube-apiserver")],
        ),
        block(
            "backend",
            ["kube-apiserver"],
            [
                directive("mode", "tcp"),
                directive("balance", spec.balance ?? "roundrobin"),
                readyz && directive("option", "httpchk", "GET", "/readyz"),
                readyz && directive("http-check", "expect", "status", 200),
                ...spec.backends.map((b) => directive("server", b.name, `${b.address}:${b.port}`, ...check)),
            ],
        ),
    ]);
}
