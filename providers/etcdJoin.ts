import * as pulumi from "@pulumi/pulumi";
import { recordedRead } from "./dynamic";
import { shellQuote as q } from "../lib/shell";
import { clusterView, EtcdPeerRef, findMember, memberAddScript, refuseAdd } from "./etcdMembers";
import { OnHost, OnHostInputs, sshRun } from "./ssh";

/**
 * How one etcd member enters the cluster. Created before the member's settings are written:
 * - no member runs etcd yet (first bootstrap): `new`, with every declared member as the initial
 *   cluster;
 * - the cluster runs and already has this member (a stack adopting a running cluster): `new` too,
 *   so its settings stay as they were (etcd ignores them once it has data);
 * - the cluster runs without it: quorum is checked (the healthy members must already be a quorum of
 *   the cluster with it added), the runtime membership API adds it (`member add`) and it starts as
 *   `existing` with the initial cluster etcd reported. A data directory left on the host by an
 *   earlier life is moved aside first (it would belong to another member).
 * Later changes to the other members do not touch it; removal is EtcdLeave's job.
 */

/** What the program passes. `host`/`connection`: the member itself. */
export interface EtcdJoinInputs extends OnHostInputs {
    readonly member: pulumi.Input<EtcdPeerRef>;
    /** Every declared member, this one included (the initial cluster of a first bootstrap). */
    readonly members: pulumi.Input<pulumi.Input<EtcdPeerRef>[]>;
    /** The other members, asked in order for the running cluster. */
    readonly seeds: pulumi.Input<pulumi.Input<OnHostInputs>[]>;
    /** etcdctl with endpoint and client certificate, up to its subcommand (see etcdctlCommand). */
    readonly etcdctl: pulumi.Input<string>;
    /** The member's data directory. */
    readonly dataDir: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export interface EtcdJoinArgs extends OnHost {
    readonly member: EtcdPeerRef;
    readonly members: readonly EtcdPeerRef[];
    readonly seeds: readonly OnHost[];
    readonly etcdctl: string;
    readonly dataDir: string;
}

export interface EtcdJoinState extends EtcdJoinArgs {
    /** ETCD_INITIAL_CLUSTER_STATE for the member. */
    readonly state: "new" | "existing";
    /** ETCD_INITIAL_CLUSTER for the member. */
    readonly initialCluster: readonly EtcdPeerRef[];
}

/** Shell, run on a member about to be added, that moves an old data directory aside. Pure. */
export function staleDataScript(dataDir: string): string {
    const d = q(dataDir);
    return [
        "set -eu",
        `if systemctl is-active --quiet etcd; then echo ${q("ha-kubernetes: etcd already runs on this host but is not a member; stop it first")} >&2; exit 1; fi`,
        `if [ -d ${d}/member ]; then mv -- ${d} ${d}.ha-kubernetes-stale-$(date -u +%Y%m%dT%H%M%SZ); echo moved-stale-data; fi`,
    ].join("\n");
}

/** Replace only when it is another member (name or peer URL); nothing else changes it. Pure. */
export function joinDiff(olds: Partial<EtcdJoinState>, news: EtcdJoinArgs): pulumi.dynamic.DiffResult {
    const replaces = olds.member?.name !== news.member.name || olds.member?.peerUrl !== news.member.peerUrl ? ["member"] : [];
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
}

/** Decides how the member starts, adding it to a running cluster when needed. */
export async function join(a: EtcdJoinArgs): Promise<Pick<EtcdJoinState, "state" | "initialCluster">> {
    const view = await clusterView(a.seeds, a.etcdctl);
    if (!view) return { state: "new", initialCluster: a.members };
    const listed = findMember(view, a.member);
    if (listed?.started) return { state: "new", initialCluster: a.members };
    if (!listed) {
        const refusal = refuseAdd(view, a.member);
        if (refusal) throw new Error(refusal);
        await sshRun(a.connection, `preparing ${a.member.name} to join etcd`, staleDataScript(a.dataDir));
        const seed = a.seeds.find((s) => s.host === view.seed)!;
        await sshRun(seed.connection, `adding etcd member ${a.member.name} (through ${seed.host})`, memberAddScript(a.etcdctl, a.member));
    }
    const others = view.members.filter((m) => m !== listed && m.name !== "" && m.peerUrls.length > 0).map((m) => ({ name: m.name, peerUrl: m.peerUrls[0] }));
    return { state: "existing", initialCluster: [...others, a.member] };
}

/** The dynamic provider; captures nothing but the pure helpers it imports. */
export const etcdJoinProvider: pulumi.dynamic.ResourceProvider<EtcdJoinArgs, EtcdJoinState> = {
    async diff(_id, olds, news) {
        return joinDiff(olds, news);
    },
    async create(inputs) {
        return { id: `etcd-member:${inputs.member.name}`, outs: { ...inputs, ...(await join(inputs)) } };
    },
    read: recordedRead("etcd memberships are"),
    async delete() {
        // Leaving the cluster is EtcdLeave's (before the member's service stops).
    },
};

/** How one etcd member starts: `new` in a first bootstrap, `existing` after `member add`. */
export class EtcdJoin extends pulumi.dynamic.Resource {
    declare public readonly state: pulumi.Output<"new" | "existing">;
    declare public readonly initialCluster: pulumi.Output<EtcdPeerRef[]>;

    constructor(name: string, args: EtcdJoinInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            etcdJoinProvider,
            name,
            { ...args, state: undefined, initialCluster: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection", "seeds"] }),
            "ha-kubernetes",
            "EtcdJoin",
        );
    }
}
