import * as pulumi from "@pulumi/pulumi";
import { ClusterArgs } from "./config";
import { connectionFor, sshEndpointsOf } from "./connection";
import { lastUpdateOutput } from "./lastUpdate";
import { hostKeyMismatch, parseHostKey, sameHostKey } from "../lib/hostKeys";
import { sshHostKey, SshTarget } from "../providers/ssh";

/**
 * SSH host keys, checked before anything is sent to a host: pinned in the configuration
 * (`hosts[].sshHostKey`, `ssh.bastion.hostKey`) or trusted on first use — the first `pulumi up`
 * records the key each host presents (the stack output `sshHostKeys`), and every later run
 * requires it. `verifiedSshHostKeys` reads each host's key in the SSH key exchange (no
 * authentication, nothing sent), compares it, and stops the run naming the host and both
 * fingerprints when one changed; every connection then carries its host's key (`hostKey`), which
 * @pulumi/command and the providers require.
 */

/** The stack output that records the host keys (`address:port` → key). */
export const HOST_KEYS_OUTPUT = "sshHostKeys";

/** One SSH endpoint of the cluster: a host's sshd or a bastion. */
export interface SshEndpoint {
    /** What messages call it: the host name, or `bastion of <host>`. */
    readonly name: string;
    /** `address:port`. */
    readonly endpoint: string;
    readonly pinned?: string;
}

/** Every SSH endpoint of the configuration, each once (bastions first: hosts are reached through them). Pure. */
export function clusterSshEndpoints(args: Pick<ClusterArgs, "hosts" | "ssh">): SshEndpoint[] {
    const bastions = new Map<string, SshEndpoint>();
    const hosts: SshEndpoint[] = [];
    for (const h of args.hosts) {
        const at = sshEndpointsOf(h, args.ssh);
        hosts.push({ name: h.name, endpoint: at.host, pinned: at.hostPinned });
        if (at.bastion && !bastions.has(at.bastion)) bastions.set(at.bastion, { name: `bastion of ${h.name}`, endpoint: at.bastion, pinned: at.bastionPinned });
    }
    return [...bastions.values(), ...hosts];
}

/**
 * The keys every connection requires, and the changed ones: for each endpoint the pinned key, else
 * the recorded one, else (first use) the one it presented. A presented key that differs from the
 * expected one is a problem; an endpoint that presented none (unreachable: the preflight says so)
 * keeps its expected key. Pure.
 */
export function resolveHostKeys(
    endpoints: readonly SshEndpoint[],
    recorded: Readonly<Record<string, string>>,
    presented: Readonly<Record<string, string>>,
): { keys: Record<string, string>; problems: string[] } {
    const keys: Record<string, string> = {};
    const problems: string[] = [];
    for (const e of endpoints) {
        const expected = e.pinned ?? recorded[e.endpoint];
        const got = presented[e.endpoint];
        if (expected !== undefined && got !== undefined && !sameHostKey(expected, got)) problems.push(hostKeyMismatch(e.name, e.endpoint, expected, got));
        const key = expected ?? got;
        if (key !== undefined) keys[e.endpoint] = key;
    }
    return { keys, problems };
}

/** The recorded keys of the last completed update (`{}` for a new stack). */
export async function hostKeysOfLastUpdate(): Promise<Record<string, string>> {
    const v = await lastUpdateOutput(HOST_KEYS_OUTPUT);
    if (!v || typeof v !== "object") return {};
    return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && typeof parseHostKey(e[1]) !== "string"),
    );
}

/** A connection's plain values, for the handshake (a secret key resolved). */
function targetOf(c: ReturnType<typeof connectionFor>): Promise<SshTarget> {
    return new Promise((resolve) => pulumi.output(c).apply((v) => resolve(v as SshTarget)));
}

/**
 * The host keys of a valid configuration, checked (see the module comment): `scan` false (a
 * preview) contacts no host and gives the pinned and recorded keys. Throws one `RunError` listing
 * every changed key; nothing is sent to any host then.
 */
export async function verifiedSshHostKeys(args: ClusterArgs, opts: { readonly scan: boolean }): Promise<Record<string, string>> {
    const endpoints = clusterSshEndpoints(args);
    const recorded = await hostKeysOfLastUpdate();
    const presented: Record<string, string> = {};
    if (opts.scan) {
        // bastions first, so that hosts behind them are reached through a verified bastion
        const bastions = resolveHostKeys(
            endpoints.filter((e) => e.name.startsWith("bastion of ")),
            recorded,
            {},
        );
        await Promise.all(
            args.hosts.map(async (h) => {
                const target = await targetOf(connectionFor(h, args.ssh, undefined, { ...recorded, ...bastions.keys }));
                // ask for the type on record, so that a host with several keys presents that one
                const known = target.hostKey === undefined ? undefined : parseHostKey(target.hostKey);
                const preferred = known && typeof known !== "string" ? known.type : undefined;
                const endpoint = sshEndpointsOf(h, args.ssh);
                try {
                    if (target.proxy && endpoint.bastion && !(endpoint.bastion in presented))
                        presented[endpoint.bastion] = await sshHostKey({ host: target.proxy.host, port: target.proxy.port, dialErrorLimit: 1 });
                    presented[endpoint.host] = await sshHostKey({ ...target, dialErrorLimit: 1 }, preferred);
                } catch {
                    // unreachable now: the preflight reports it, naming the host
                }
            }),
        );
    }
    const { keys, problems } = resolveHostKeys(endpoints, recorded, presented);
    if (problems.length) throw new pulumi.RunError(`${problems.length} SSH host key(s) changed; nothing was changed on any host:\n  ${problems.join("\n  ")}`);
    return keys;
}
