import { isIpv4 } from "../../lib/address";
import { assertPort, block, comment, directive, isHostname, NGINX_DIALECT, renderBlockConfig } from "./blockConfig";

/** One kube-apiserver behind nginx. */
export interface NginxBackend {
    /** IPv4 address (or a host name resolvable when nginx starts). */
    readonly address: string;
    /** Port the apiserver listens on (usually 6443). */
    readonly port: number;
}

export interface NginxSpec {
    /** Port clients connect to. Default 6443. */
    readonly listenPort?: number;
    /** IPv4 address to listen on. Default: all addresses. */
    readonly listenAddress?: string;
    /** The apiservers; at least one, no duplicates. */
    readonly backends: ReadonlyArray<NginxBackend>;
    /** Failed attempts within `failTimeoutSec` that mark a backend down (0 disables). Default 3. */
    readonly maxFails?: number;
    /** Seconds a backend stays marked down, and the window for `maxFails`. Default 10. */
    readonly failTimeoutSec?: number;
    /** Seconds to wait for a TCP connect to a backend before trying the next. Default 2. */
    readonly connectTimeoutSec?: number;
}

function intIn(what: string, v: number, min: number, max: number): void {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`nginx ${what} must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
}

function validate(spec: NginxSpec): void {
    assertPort("nginx listenPort", spec.listenPort ?? 6443);
    if (spec.listenAddress !== undefined && !isIpv4(spec.listenAddress)) throw new Error(`nginx listenAddress ${JSON.stringify(spec.listenAddress)} is not an IPv4 address`);
    if (!spec.backends || spec.backends.length === 0) throw new Error("nginx needs at least one backend");
    const seen = new Set<string>();
    for (const b of spec.backends) {
        if (!isIpv4(b.address) && !isHostname(b.address)) throw new Error(`nginx backend address ${JSON.stringify(b.address)} is not an IPv4 address or host name`);
        assertPort(`nginx backend ${b.address} port`, b.port);
        const key = `${b.address}:${b.port}`;
        if (seen.has(key)) throw new Error(`duplicate nginx backend ${key}`);
        seen.add(key);
    }
    if (spec.maxFails !== undefined) intIn("maxFails", spec.maxFails, 0, 1000);
    if (spec.failTimeoutSec !== undefined) intIn("failTimeoutSec", spec.failTimeoutSec, 1, 3600);
    if (spec.connectTimeoutSec !== undefined) intIn("connectTimeoutSec", spec.connectTimeoutSec, 1, 75);
}

/**
 * A complete /etc/nginx/nginx.conf for nginx 1.22 (Debian bookworm): a TCP (stream) proxy in
 * front of the apiservers, TLS passed through, and no HTTP server. The stream module is a
 * dynamic module on Debian (package libnginx-mod-stream, which enables it with
 * /etc/nginx/modules-enabled/50-mod-stream.conf), hence the `include` at the top. No `daemon`
 * directive: Debian's unit passes `-g 'daemon on; master_process on;'` and expects the pid file
 * at /run/nginx.pid. Pure.
 */
export function renderNginxConfig(spec: NginxSpec): string {
    validate(spec);
    const port = spec.listenPort ?? 6443;
    const maxFails = spec.maxFails ?? 3;
    const failTimeout = spec.failTimeoutSec ?? 10;
    return renderBlockConfig(NGINX_DIALECT, [
        directive("user", "www-data"),
        directive("worker_processes", "auto"),
        directive("worker_rlimit_nofile", 16384),
        directive("pid", "/run/nginx.pid"),
        directive("error_log", "/var/log/nginx/error.log", "warn"),
        directive("include", "/etc/nginx/modules-enabled/*.conf"),
        block("events", [], [directive("worker_connections", 4096)]),
        comment("kube-apiserver: TLS passthrough. No http block: nginx serves nothing else."),
        block(
            "stream",
            [],
            [
                block(
                    "upstream",
                    ["kube_apiserver"],
                    [directive("least_conn"), ...spec.backends.map((b) => directive("server", `${b.address}:${b.port}`, `max_fails=${maxFails}`, `fail_timeout=${failTimeout}s`))],
                ),
                block(
                    "server",
                    [],
                    [
                        directive("listen", spec.listenAddress !== undefined ? `${spec.listenAddress}:${port}` : port),
                        directive("proxy_pass", "kube_apiserver"),
                        directive("proxy_connect_timeout", `${spec.connectTimeoutSec ?? 2}s`),
                        comment("Long-lived watches: idle timeout between two reads or writes."),
                        directive("proxy_timeout", "1h"),
                        directive("proxy_next_upstream", "on"),
                    ],
                ),
            ],
        ),
    ]);
}
