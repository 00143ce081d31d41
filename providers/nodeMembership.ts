import * as pulumi from "@pulumi/pulumi";
import { recordedRead, Resolved, SECRET_CONNECTION } from "./dynamic";
import { apiAnswersOrFail, drainCommand, exitUnlessRegistered, kubectlCmd, nodeReadyStatus, uncordonIfDrained } from "../lib/nodeScripts";
import { shellQuote as q, waitScript } from "../lib/shell";
import { kubectlNodeDiff, KubectlNodeInputs } from "./kubectlHost";
import { sshRun } from "./ssh";

/**
 * A worker's membership in the cluster, seen through the API (kubectl on a master with the admin
 * kubeconfig). Creating it, and every update after the worker's services restarted, waits until
 * the Node is Ready (the worker's health gate), sets its labels and uncordons it when a NodeDrain
 * cordoned it for the restart (providers/nodeDrain.ts). Deleting it — a worker removed from the stack, or
 * `pulumi destroy` — cordons the Node, drains it (evicting its pods, DaemonSets aside) and deletes
 * the Node object, before the worker's services stop (they are its dependencies).
 */

/** What the program passes (`timeoutSec`: the wait for Ready, and for a drain). */
export interface NodeMembershipInputs extends KubectlNodeInputs {
    /** Changes whenever the worker's services were restarted: the Ready gate runs again. */
    readonly revision: pulumi.Input<string>;
    /**
     * Labels set on the Node through the API once it is Ready (those a kubelet may not set on
     * itself under NodeRestriction, e.g. node-role.kubernetes.io/*). Default none.
     */
    readonly labels?: pulumi.Input<Record<string, string>>;
}

/** The same, resolved, as the provider receives it. */
export type NodeMembershipArgs = Resolved<NodeMembershipInputs>;

export interface NodeMembershipState extends NodeMembershipArgs {
    /** The Node was Ready when last checked. */
    readonly ready: boolean;
}

/**
 * Shell that waits until the Node is Ready, failing with its status after `timeoutSec`, then sets
 * its labels and uncordons it if ha-kubernetes cordoned it for this restart. Pure.
 */
export function readyScript(a: Pick<NodeMembershipArgs, "node" | "kubectl" | "kubeconfig" | "timeoutSec" | "labels">): string {
    const check = `${nodeReadyStatus(a, a.node)} | grep -qx True`;
    const labels = Object.entries(a.labels ?? {}).map(([k, v]) => q(`${k}=${v}`));
    return [
        "set -u",
        waitScript({ what: `node ${a.node} to be Ready`, check, timeoutSec: a.timeoutSec }),
        ...(labels.length ? [`${kubectlCmd(a)} label node ${q(a.node)} --overwrite ${labels.join(" ")} >&2`] : []),
        uncordonIfDrained(a, a.node),
    ].join("\n");
}

/**
 * Shell that cordons and drains the Node and deletes the Node object. A Node that never
 * registered has nothing to drain; an API that does not answer is an error (the pods would be
 * left behind). Pure.
 */
export function drainScript(a: Pick<NodeMembershipArgs, "node" | "kubectl" | "kubeconfig" | "timeoutSec">): string {
    const k = kubectlCmd(a);
    const n = q(a.node);
    return [
        "set -u",
        apiAnswersOrFail(a, `cannot drain ${a.node}`),
        exitUnlessRegistered(a, a.node, "nothing to drain"),
        `${k} cordon ${n} >&2`,
        drainCommand(a, a.node, a.timeoutSec),
        `${k} delete node ${n} --wait=true >&2`,
    ].join("\n");
}

/** Replace when it is another node; update (re-run the Ready gate) when anything else changed. Pure. */
export function membershipDiff(olds: Partial<NodeMembershipState>, news: NodeMembershipArgs): pulumi.dynamic.DiffResult {
    const labelsChanged = JSON.stringify(olds.labels ?? {}) !== JSON.stringify(news.labels ?? {});
    return kubectlNodeDiff(olds, news, ["revision", "kubectl", "kubeconfig", "timeoutSec"], olds.ready !== true || labelsChanged);
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const nodeMembershipProvider: pulumi.dynamic.ResourceProvider<NodeMembershipArgs, NodeMembershipState> = {
    async diff(_id, olds, news) {
        return membershipDiff(olds, news);
    },
    async create(inputs) {
        await sshRun(inputs.connection, `waiting for node ${inputs.node} to be Ready`, readyScript(inputs));
        return { id: `node:${inputs.node}`, outs: { ...inputs, ready: true } };
    },
    async update(_id, _olds, news) {
        await sshRun(news.connection, `waiting for node ${news.node} to be Ready`, readyScript(news));
        return { outs: { ...news, ready: true } };
    },
    read: recordedRead("node memberships are"),
    async delete(_id, props) {
        await sshRun(props.connection, `draining node ${props.node} (through ${props.host})`, drainScript(props));
    },
};

/** A worker's Node: Ready gate on create/update, cordon + drain + delete on removal. */
export class NodeMembership extends pulumi.dynamic.Resource {
    declare public readonly node: pulumi.Output<string>;
    declare public readonly ready: pulumi.Output<boolean>;

    constructor(name: string, args: NodeMembershipInputs, opts?: pulumi.CustomResourceOptions) {
        super(nodeMembershipProvider, name, { ...args, ready: undefined }, pulumi.mergeOptions(opts, SECRET_CONNECTION), "ha-kubernetes", "NodeMembership");
    }
}
