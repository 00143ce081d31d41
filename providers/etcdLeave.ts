import * as pulumi from "@pulumi/pulumi";
import { recordedRead } from "./dynamic";
import { clusterView, EtcdPeerRef, findMember, memberRemoveScript, refuseRemove } from "./etcdMembers";
import { OnHost, OnHostInputs, sshRun } from "./ssh";

/**
 * The etcd cluster's declared member list. When a member is no longer declared, `update` removes
 * it through the runtime membership API (`member remove`), one member at a time, each after a
 * quorum check (the healthy members left must be a quorum of the smaller cluster; an operation
 * that would lose quorum is refused). It runs after the cluster's health gate, so a replacement
 * member has started and caught up first, and before the removed member's service stops (that
 * happens when Pulumi deletes the removed host's resources, at the end of the update). Destroying
 * the whole cluster removes no member: the kept data stays a consistent cluster.
 */

/** What the program passes. */
export interface EtcdLeaveInputs {
    /** The declared members. */
    readonly members: pulumi.Input<pulumi.Input<EtcdPeerRef>[]>;
    /** The declared members' hosts, asked in order for the running cluster. */
    readonly seeds: pulumi.Input<pulumi.Input<OnHostInputs>[]>;
    /** etcdctl with endpoint and client certificate, up to its subcommand (see etcdctlCommand). */
    readonly etcdctl: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export interface EtcdLeaveArgs {
    readonly members: readonly EtcdPeerRef[];
    readonly seeds: readonly OnHost[];
    readonly etcdctl: string;
}

export interface EtcdLeaveState extends EtcdLeaveArgs {
    /** Members this resource removed in its last update. */
    readonly removed: readonly string[];
}

const key = (m: EtcdPeerRef) => `${m.name}=${m.peerUrl}`;

/** The members declared before and not now. Pure. */
export function leavers(olds: readonly EtcdPeerRef[], news: readonly EtcdPeerRef[]): EtcdPeerRef[] {
    const keep = new Set(news.map(key));
    return olds.filter((m) => !keep.has(key(m)));
}

/** An update when the member list changed (only removals act). Pure. */
export function leaveDiff(olds: Partial<EtcdLeaveState>, news: EtcdLeaveArgs): pulumi.dynamic.DiffResult {
    const before = (olds.members ?? []).map(key).sort().join(",");
    const after = news.members.map(key).sort().join(",");
    return { changes: before !== after || olds.etcdctl !== news.etcdctl, replaces: [], deleteBeforeReplace: false };
}

/** Removes each leaver that is still a member, one at a time, each after a quorum check. */
export async function removeLeavers(olds: readonly EtcdPeerRef[], a: EtcdLeaveArgs): Promise<string[]> {
    const removed: string[] = [];
    for (const ref of leavers(olds, a.members)) {
        const view = await clusterView(a.seeds, a.etcdctl);
        if (!view) throw new Error(`cannot remove etcd member ${ref.name}: etcd runs on none of ${a.seeds.map((s) => s.host).join(", ")}`);
        const target = findMember(view, ref);
        if (!target) continue;
        const refusal = refuseRemove(view, target, ref);
        if (refusal) throw new Error(refusal);
        const seed = a.seeds.find((s) => s.host === view.seed)!;
        await sshRun(seed.connection, `removing etcd member ${ref.name} (through ${seed.host})`, memberRemoveScript(a.etcdctl, target.id));
        removed.push(ref.name);
    }
    return removed;
}

/** The dynamic provider; captures nothing but the pure helpers it imports. */
export const etcdLeaveProvider: pulumi.dynamic.ResourceProvider<EtcdLeaveArgs, EtcdLeaveState> = {
    async diff(_id, olds, news) {
        return leaveDiff(olds, news);
    },
    async create(inputs) {
        return { id: "etcd-members", outs: { ...inputs, removed: [] } };
    },
    async update(_id, olds, news) {
        return { outs: { ...news, removed: await removeLeavers(olds.members, news) } };
    },
    read: recordedRead("etcd member lists are"),
    async delete() {
        // Destroying the cluster keeps its membership (see above).
    },
};

/** The declared etcd member list; removes undeclared members through the membership API. */
export class EtcdLeave extends pulumi.dynamic.Resource {
    declare public readonly removed: pulumi.Output<string[]>;

    constructor(name: string, args: EtcdLeaveInputs, opts?: pulumi.CustomResourceOptions) {
        super(etcdLeaveProvider, name, { ...args, removed: undefined }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["seeds"] }), "ha-kubernetes", "EtcdLeave");
    }
}
