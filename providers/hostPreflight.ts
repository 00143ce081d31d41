import * as pulumi from "@pulumi/pulumi";
import { recorded } from "./dynamic";
import { ClockReading, clockProblems, HostRequirements, parseReport, PREFLIGHT_SCRIPT, preflightScript, reportProblems } from "../lib/preflightChecks";
import { sshExec, SshTarget } from "./ssh";

/**
 * Before anything touches a host: every host of the cluster answers over SSH with the given key,
 * as root (or as a user with passwordless sudo, `become: sudo`), runs systemd on a supported architecture and OS release, and offers what its roles
 * need (lib/preflightChecks.ts: swap off, cgroup v2, kernel modules, free ports, a memory floor,
 * free disk under /var/lib); the hosts' clocks are in step. All hosts are checked side by side
 * and every problem is reported at once, naming host and reason; every remote resource waits on
 * this check, so one unfit host or a wrong key changes nothing on any host. Runs again whenever
 * the host list or a requirement changes; `pulumi refresh` re-checks. A stale `SSH_AUTH_SOCK`
 * (the command provider dials the agent before any key, and fails) is reported here too.
 */

/** One host to check. */
export interface PreflightHost {
    readonly name: string;
    readonly connection: SshTarget;
    /** What its roles need; without it only SSH, root, systemd and the architecture are checked. */
    readonly requires?: HostRequirements;
}

/** What the program passes. */
export interface HostPreflightInputs {
    readonly hosts: pulumi.Input<Array<{ readonly name: string; readonly connection: pulumi.Input<SshTarget>; readonly requires?: HostRequirements }>>;
    /** Largest clock difference between hosts, in milliseconds. Default 2000. */
    readonly maxClockSkewMs?: pulumi.Input<number>;
}

/** The same, resolved, as the provider receives it. */
export interface HostPreflightArgs {
    readonly hosts: PreflightHost[];
    readonly maxClockSkewMs?: number;
}

/** What a host reported. */
export interface HostFacts {
    readonly name: string;
    readonly address: string;
    readonly arch: string;
    readonly kernel: string;
    readonly os: string;
}

/** What the provider records. */
export interface HostPreflightState extends HostPreflightArgs {
    readonly facts: HostFacts[];
}

/** Connection attempts per host: enough for a host still booting, not for a dead one. */
export const PREFLIGHT_ATTEMPTS = 3;

export const DEFAULT_MAX_CLOCK_SKEW_MS = 2000;

export { PREFLIGHT_SCRIPT };

/** Judges one host's PREFLIGHT_SCRIPT output; returns its facts or its problems, joined. Pure. */
export function judgeHost(host: PreflightHost, out: string): HostFacts | string {
    const reported = parseReport(out);
    const r = { ...reported, user: reported.user || (host.connection.user ?? "root") };
    const problems = reportProblems(r, host.requires);
    return problems.length ? problems.join("; ") : { name: host.name, address: host.connection.host, arch: r.arch, kernel: r.kernel, os: r.os };
}

/** Host names, where they answer, the host keys they must present and what they must offer: the only inputs whose change re-runs the check. Pure. */
export function hostList(hosts: readonly PreflightHost[], maxClockSkewMs?: number): string {
    const list = hosts
        .map(
            (h) =>
                `${h.name}=${h.connection.user ?? "root"}${h.connection.become ? `+${h.connection.become}` : ""}@${h.connection.host}:${h.connection.port ?? 22}#${h.connection.hostKey ?? ""}`,
        )
        .join(",");
    const needs = hosts.some((h) => h.requires) || maxClockSkewMs !== undefined ? JSON.stringify([hosts.map((h) => h.requires ?? null), maxClockSkewMs ?? null]) : "";
    return needs ? `${list}|${needs}` : list;
}

/** The problem with `SSH_AUTH_SOCK`, if it names a socket where no agent answers. */
export async function agentSocketProblem(sock: string | undefined): Promise<string | undefined> {
    if (!sock) return undefined;
    const net = await import("net");
    const ok = await new Promise<boolean>((resolve) => {
        const c = net.createConnection(sock);
        const done = (v: boolean) => {
            c.destroy();
            resolve(v);
        };
        c.setTimeout(3000, () => done(false));
        c.once("connect", () => done(true));
        c.once("error", () => done(false));
    });
    return ok
        ? undefined
        : `SSH_AUTH_SOCK=${sock}: no SSH agent answers there, and the command provider dials it before it tries the private key, so every connection would fail: unset SSH_AUTH_SOCK, or start the agent it names`;
}

async function checkAll(hosts: readonly PreflightHost[], maxClockSkewMs = DEFAULT_MAX_CLOCK_SKEW_MS): Promise<HostFacts[]> {
    const agent = await agentSocketProblem(process.env.SSH_AUTH_SOCK);
    const clocks: ClockReading[] = [];
    const now = () => process.hrtime.bigint();
    const epochOffset = BigInt(Date.now()) * 1_000_000n - now();
    const results = await Promise.all(
        hosts.map(async (h): Promise<HostFacts | string> => {
            try {
                const sentNs = now() + epochOffset;
                // as the login user: the script itself tries sudo, so that a refusal is a finding
                const r = await sshExec(
                    { ...h.connection, become: undefined, dialErrorLimit: Math.min(h.connection.dialErrorLimit ?? PREFLIGHT_ATTEMPTS, PREFLIGHT_ATTEMPTS) },
                    preflightScript(h.connection.become),
                    undefined,
                    60_000,
                );
                const receivedNs = now() + epochOffset;
                if (r.code !== 0) return `preflight script failed (exit ${r.code}): ${r.stderr.trim()}`;
                const hostNs = parseReport(r.stdout).clockNs;
                if (hostNs !== undefined) clocks.push({ name: h.name, hostNs, sentNs, receivedNs });
                return judgeHost(h, r.stdout);
            } catch (e) {
                return (e as Error).message;
            }
        }),
    );
    const skew = clockProblems(clocks, maxClockSkewMs);
    const problems = results
        .map((r, i) => {
            const all = [...(typeof r === "string" ? [r] : []), ...(skew.has(hosts[i].name) ? [skew.get(hosts[i].name)!] : [])];
            return all.length ? `  ${hosts[i].name} (${hosts[i].connection.host}): ${all.join("; ")}` : "";
        })
        .filter(Boolean);
    if (agent) problems.unshift(`  ${agent}`);
    if (problems.length) throw new Error(`host preflight failed; nothing was changed on any host:\n${problems.join("\n")}`);
    return results as HostFacts[];
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const hostPreflightProvider: pulumi.dynamic.ResourceProvider<HostPreflightArgs, HostPreflightState> = {
    async diff(_id, olds, news) {
        const changed = hostList(olds.hosts ?? [], olds.maxClockSkewMs) !== hostList(news.hosts, news.maxClockSkewMs);
        return { changes: changed, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        const facts = await checkAll(inputs.hosts, inputs.maxClockSkewMs);
        return { id: "preflight", outs: { ...inputs, facts } };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, facts: await checkAll(news.hosts, news.maxClockSkewMs) } };
    },
    async read(id, props) {
        props = recorded(id, props, "the preflight is");
        return { id, props: { ...props, facts: await checkAll(props.hosts, props.maxClockSkewMs) } };
    },
    async delete() {
        // nothing on the hosts
    },
};

/** The check of every host (SSH, root, systemd, OS, what its roles need, clocks) every remote resource of a cluster waits on. */
export class HostPreflight extends pulumi.dynamic.Resource {
    declare public readonly facts: pulumi.Output<HostFacts[]>;

    constructor(name: string, args: HostPreflightInputs, opts?: pulumi.CustomResourceOptions) {
        super(hostPreflightProvider, name, { ...args, facts: undefined }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["hosts"] }), "ha-kubernetes", "HostPreflight");
    }
}
