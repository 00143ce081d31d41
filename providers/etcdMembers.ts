/**
 * Pure helpers the etcd membership providers share: what to run on a member (etcdctl through the
 * local client port with the health-check certificate), how to read the answer, and the quorum
 * arithmetic that decides whether a membership change is safe. Plain data in, plain data out, so
 * the providers can capture them.
 */
import { shellQuote as q } from "../lib/shell";
import { OnHost, sshExec } from "./ssh";

/** A member as the program declares it. */
export interface EtcdPeerRef {
    readonly name: string;
    readonly peerUrl: string;
}

/** A member as `etcdctl member list` reports it. `name` is empty until it first started. */
export interface ListedMember {
    readonly id: string;
    readonly started: boolean;
    readonly name: string;
    readonly peerUrls: readonly string[];
    readonly clientUrls: readonly string[];
}

/** What a running member reported: the member list and the client URLs that answered healthy. */
export interface ClusterView {
    /** The member (host key) that answered. */
    readonly seed: string;
    readonly members: readonly ListedMember[];
    readonly healthy: ReadonlySet<string>;
}

const LIST_END = "--- ha-kubernetes: end of member list ---";

/**
 * Shell run on a member: `inactive` when its etcd is not running; otherwise `active`, the member
 * list (simple format, hex ids) and every member's health. Fails when a running etcd does not
 * answer. `etcdctl` is the command up to (not including) its subcommand. Pure.
 */
export function probeScript(etcdctl: string): string {
    return [
        "set -u",
        "if ! systemctl is-active --quiet etcd; then echo inactive; exit 0; fi",
        "echo active",
        `${etcdctl} member list -w simple || { echo ${q("ha-kubernetes: etcd runs but does not list its members")} >&2; exit 1; }`,
        `echo ${q(LIST_END)}`,
        `${etcdctl} endpoint health --cluster 2>&1 || true`,
    ].join("\n");
}

/** Parses `member list -w simple` lines. Pure. */
export function parseMemberList(text: string): ListedMember[] {
    return text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^[0-9a-f]+,/.test(l))
        .map((l) => {
            const [id, status, name, peers, clients] = l.split(",").map((s) => s.trim());
            const urls = (s: string | undefined) => (s ?? "").split(/\s+/).filter((u) => u !== "");
            return { id, started: status === "started", name: name ?? "", peerUrls: urls(peers), clientUrls: urls(clients) };
        });
}

/** Client URLs `endpoint health --cluster` called healthy. Pure. */
export function parseHealthy(text: string): Set<string> {
    const healthy = new Set<string>();
    for (const l of text.split("\n")) {
        const m = /^(\S+) is healthy/.exec(l.trim());
        if (m) healthy.add(m[1]);
    }
    return healthy;
}

/** Parses probeScript's output: undefined when etcd is not running there. Pure. */
export function parseProbe(seed: string, out: string): ClusterView | undefined {
    const [head, ...rest] = out.split("\n");
    if (head.trim() !== "active") return undefined;
    const body = rest.join("\n");
    const end = body.indexOf(LIST_END);
    const list = end >= 0 ? body.slice(0, end) : body;
    const health = end >= 0 ? body.slice(end + LIST_END.length) : "";
    return { seed, members: parseMemberList(list), healthy: parseHealthy(health) };
}

/** Majority of `size` members. Pure. */
export function quorumOf(size: number): number {
    return Math.floor(size / 2) + 1;
}

/** The listed member that is `ref` (by name, or by peer URL before it first started). Pure. */
export function findMember(view: ClusterView, ref: EtcdPeerRef): ListedMember | undefined {
    return view.members.find((m) => (m.name !== "" && m.name === ref.name) || m.peerUrls.includes(ref.peerUrl));
}

/** Members whose client URL answered healthy. Pure. */
export function healthyMembers(view: ClusterView): ListedMember[] {
    return view.members.filter((m) => m.clientUrls.some((u) => view.healthy.has(u)));
}

/**
 * Why adding one member now would be unsafe, or undefined when it is safe: after `member add`
 * the cluster has one more member that has not started, so the members that are healthy now must
 * already be a quorum of the larger cluster. Pure.
 */
export function refuseAdd(view: ClusterView, ref: EtcdPeerRef): string | undefined {
    const size = view.members.length + 1;
    const healthy = healthyMembers(view).length;
    if (healthy < quorumOf(size)) {
        return (
            `refusing to add etcd member ${ref.name}: the cluster would have ${size} members and needs ${quorumOf(size)} healthy for quorum, ` +
            `but only ${healthy} of ${view.members.length} are healthy (${
                healthyMembers(view)
                    .map((m) => m.name)
                    .join(", ") || "none"
            }); repair the cluster first`
        );
    }
    return undefined;
}

/**
 * Why removing `target` now would be unsafe, or undefined when it is safe: the healthy members
 * other than it must be a quorum of the smaller cluster, and the last member is never removed. Pure.
 */
export function refuseRemove(view: ClusterView, target: ListedMember, ref: EtcdPeerRef): string | undefined {
    const size = view.members.length - 1;
    if (size < 1) return `refusing to remove etcd member ${ref.name}: it is the last member`;
    const remaining = healthyMembers(view).filter((m) => m.id !== target.id);
    if (remaining.length < quorumOf(size)) {
        return (
            `refusing to remove etcd member ${ref.name}: the ${size} members left need ${quorumOf(size)} healthy for quorum, ` +
            `but only ${remaining.length} are healthy (${remaining.map((m) => m.name).join(", ") || "none"}); repair the cluster first`
        );
    }
    return undefined;
}

/**
 * Asks the given members in order for the cluster's view; the first one whose etcd runs answers.
 * Undefined when etcd runs on none of them (a cluster not bootstrapped yet). A member whose etcd
 * runs but does not answer is an error unless a later one answers.
 */
export async function clusterView(seeds: readonly OnHost[], etcdctl: string): Promise<ClusterView | undefined> {
    const errors: string[] = [];
    for (const s of seeds) {
        const r = await sshExec(s.connection, probeScript(etcdctl), undefined, 60_000).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
        if (r.code === 0) {
            const view = parseProbe(s.host, r.stdout);
            if (!view) continue;
            if (view.members.length > 0) return view;
            errors.push(`${s.host}: empty member list`);
        } else {
            errors.push(`${s.host}: ${r.stderr.trim() || `exit ${r.code}`}`);
        }
    }
    if (errors.length > 0) throw new Error(`etcd runs but no member answered: ${errors.join("; ")}`);
    return undefined;
}

/** Shell that adds a member through the runtime membership API. Pure. */
export function memberAddScript(etcdctl: string, ref: EtcdPeerRef): string {
    return `set -eu\n${etcdctl} member add ${q(ref.name)} --peer-urls=${q(ref.peerUrl)}`;
}

/** Shell that removes a member (hex id) through the runtime membership API. Pure. */
export function memberRemoveScript(etcdctl: string, id: string): string {
    if (!/^[0-9a-f]+$/.test(id)) throw new Error(`bad etcd member id ${JSON.stringify(id)}`);
    return `set -eu\n${etcdctl} member remove ${id}`;
}
