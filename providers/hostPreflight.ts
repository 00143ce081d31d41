import * as pulumi from "@pulumi/pulumi";
import { recorded } from "./dynamic";
import { sshExec, SshTarget } from "./ssh";

/**
 * Before anything touches a host: every host of the cluster answers over SSH with the given key,
 * as root, runs systemd, and is x86_64 or arm64. All hosts
 * are checked side by side and every problem is reported at once, naming host and reason; every
 * remote resource waits on this check, so one unreachable host or a wrong key changes nothing on
 * any host. Runs again whenever the host list changes; `pulumi refresh` re-checks reachability.
 */

/** One host to check. */
export interface PreflightHost {
    readonly name: string;
    readonly connection: SshTarget;
}

/** What the program passes. */
export interface HostPreflightInputs {
    readonly hosts: pulumi.Input<Array<{ readonly name: string; readonly connection: pulumi.Input<SshTarget> }>>;
}

/** The same, resolved, as the provider receives it. */
export interface HostPreflightArgs {
    readonly hosts: PreflightHost[];
}

/** What a host reported. */
export interface HostFacts {
    readonly name: string;
    readonly address: string;
    readonly arch: string;
    readonly kernel: string;
}

/** What the provider records. */
export interface HostPreflightState extends HostPreflightArgs {
    readonly facts: HostFacts[];
}

/** Connection attempts per host: enough for a host still booting, not for a dead one. */
export const PREFLIGHT_ATTEMPTS = 3;

/** Shell run on each host: prints `arch kernel uid systemd`. Pure. */
export const PREFLIGHT_SCRIPT = `printf '%s %s %s %s\\n' "$(uname -m)" "$(uname -r)" "$(id -u)" "$(test -d /run/systemd/system && echo systemd || echo no-systemd)"`;

/** Judges one host's PREFLIGHT_SCRIPT output; returns its facts or the problem. Pure. */
export function judgeHost(host: PreflightHost, out: string): HostFacts | string {
    const [arch, kernel, uid, init] = out.trim().split(/\s+/);
    const problems: string[] = [];
    if (!["x86_64", "aarch64"].includes(arch)) problems.push(`unsupported architecture ${JSON.stringify(arch ?? "")}`);
    if (uid !== "0") problems.push(`logged in as uid ${uid ?? "?"}, not root`);
    if (init !== "systemd") problems.push("systemd is not running");
    return problems.length ? problems.join("; ") : { name: host.name, address: host.connection.host, arch, kernel };
}

/** Host names, where they answer and the host keys they must present: the only inputs whose change re-runs the check. Pure. */
export function hostList(hosts: readonly PreflightHost[]): string {
    return hosts.map((h) => `${h.name}=${h.connection.user ?? "root"}@${h.connection.host}:${h.connection.port ?? 22}#${h.connection.hostKey ?? ""}`).join(",");
}

async function checkAll(hosts: readonly PreflightHost[]): Promise<HostFacts[]> {
    const results = await Promise.all(
        hosts.map(async (h): Promise<HostFacts | string> => {
            try {
                const r = await sshExec(
                    { ...h.connection, dialErrorLimit: Math.min(h.connection.dialErrorLimit ?? PREFLIGHT_ATTEMPTS, PREFLIGHT_ATTEMPTS) },
                    PREFLIGHT_SCRIPT,
                    undefined,
                    60_000,
                );
                if (r.code !== 0) return `preflight script failed (exit ${r.code}): ${r.stderr.trim()}`;
                return judgeHost(h, r.stdout);
            } catch (e) {
                return (e as Error).message;
            }
        }),
    );
    const problems = results.map((r, i) => (typeof r === "string" ? `  ${hosts[i].name} (${hosts[i].connection.host}): ${r}` : "")).filter(Boolean);
    if (problems.length) throw new Error(`host preflight failed; nothing was changed on any host:\n${problems.join("\n")}`);
    return results as HostFacts[];
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const hostPreflightProvider: pulumi.dynamic.ResourceProvider<HostPreflightArgs, HostPreflightState> = {
    async diff(_id, olds, news) {
        const changed = hostList(olds.hosts ?? []) !== hostList(news.hosts);
        return { changes: changed, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        const facts = await checkAll(inputs.hosts);
        return { id: "preflight", outs: { hosts: inputs.hosts, facts } };
    },
    async update(_id, _olds, news) {
        return { outs: { hosts: news.hosts, facts: await checkAll(news.hosts) } };
    },
    async read(id, props) {
        props = recorded(id, props, "the preflight is");
        return { id, props: { ...props, facts: await checkAll(props.hosts) } };
    },
    async delete() {
        // nothing on the hosts
    },
};

/** The SSH/root/systemd check every remote resource of a cluster waits on. */
export class HostPreflight extends pulumi.dynamic.Resource {
    declare public readonly facts: pulumi.Output<HostFacts[]>;

    constructor(name: string, args: HostPreflightInputs, opts?: pulumi.CustomResourceOptions) {
        super(hostPreflightProvider, name, { ...args, facts: undefined }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["hosts"] }), "ha-kubernetes", "HostPreflight");
    }
}
