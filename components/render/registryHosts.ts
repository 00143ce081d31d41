import { stringify } from "smol-toml";
import { isHostname } from "./blockConfig";
import { hashHeader } from "./header";
import { PATHS } from "./paths";

/** One endpoint containerd may pull from for a registry. */
export interface RegistryMirror {
    /** Endpoint URL, `http(s)://host[:port][/path]` (path: the prefix before `/v2`). */
    readonly url: string;
    /** What the endpoint may be used for. Default ["pull", "resolve"]. */
    readonly capabilities?: ReadonlyArray<"pull" | "resolve" | "push">;
    /** Absolute path on the node of a CA bundle for this endpoint (e.g. `<registryHostsDir>/ca.crt`). */
    readonly caFile?: string;
    /** Skip TLS verification. Default false. */
    readonly skipVerify?: boolean;
}

export interface RegistryHostsSpec {
    /** The registry name as used in image references: `host[:port]`, e.g. `registry.example.test:5000`. */
    readonly server: string;
    /** Endpoints tried in order before `https://<server>` itself; at least one. */
    readonly mirrors: ReadonlyArray<RegistryMirror>;
}

/** Throws unless `host` is `hostname-or-IPv4[:port]`. */
export function assertRegistryHost(host: string): void {
    const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(typeof host === "string" ? host : "");
    if (!m || !isHostname(m[1]) || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
        throw new Error(`registry host ${JSON.stringify(host)} must be host[:port]`);
    }
}

/**
 * Directory containerd 1.6 reads `hosts.toml` (and a `ca.crt`) from for a registry:
 * `/etc/containerd/certs.d/<host[:port]>`. containerd looks for `host_port_` first (the form
 * Windows needs), then `host:port`, then `_default`; on Linux the `host:port` form of its
 * documentation is used. Pure.
 */
export function registryHostsDir(server: string): string {
    assertRegistryHost(server);
    return `${PATHS.node.containerdRegistryDir}/${server}`;
}

const CAPABILITIES = new Set(["pull", "resolve", "push"]);

function endpointUrl(url: string): string {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`registry endpoint ${JSON.stringify(url)} is not a URL`);
    }
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password || u.search || u.hash || /[\s"]/.test(url)) {
        throw new Error(`registry endpoint ${JSON.stringify(url)} must be http(s)://host[:port][/path] without credentials, query or fragment`);
    }
    return url.replace(/\/+$/, "");
}

/**
 * `hosts.toml` (containerd 1.6 registry host configuration) for one registry namespace:
 * `server = "https://<server>"` and one `[host."<url>"]` table per mirror, in order. Pure.
 */
export function renderRegistryHostsToml(spec: RegistryHostsSpec): string {
    assertRegistryHost(spec.server);
    if (!spec.mirrors || spec.mirrors.length === 0) throw new Error(`registry ${spec.server}: at least one endpoint is required`);
    const host: Record<string, Record<string, unknown>> = {};
    for (const m of spec.mirrors) {
        const url = endpointUrl(m.url);
        if (host[url]) throw new Error(`registry ${spec.server}: duplicate endpoint ${url}`);
        const caps = [...(m.capabilities ?? ["pull", "resolve"])];
        if (caps.length === 0 || caps.some((c) => !CAPABILITIES.has(c)) || new Set(caps).size !== caps.length) {
            throw new Error(`registry endpoint ${url}: capabilities must be distinct values of pull, resolve, push`);
        }
        if (m.caFile !== undefined && !/^\/[A-Za-z0-9_.:/@+-]+$/.test(m.caFile))
            throw new Error(`registry endpoint ${url}: caFile must be an absolute path, got ${JSON.stringify(m.caFile)}`);
        host[url] = {
            capabilities: caps,
            ...(m.caFile !== undefined ? { ca: m.caFile } : {}),
            ...(m.skipVerify ? { skip_verify: true } : {}),
        };
    }
    return `${hashHeader()}\n${stringify({ server: `https://${spec.server}`, host }).trimEnd()}\n`;
}
