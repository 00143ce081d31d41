import * as pulumi from "@pulumi/pulumi";
import { recordedRead, Resolved, SECRET_CONNECTION } from "./dynamic";
import { apiAnswersOrFail, DRAINED_ANNOTATION, drainCommand, exitUnlessRegistered, kubectlCmd, nodeJsonpath, nodeReadyStatus } from "../lib/nodeScripts";
import { shellQuote as q } from "../lib/shell";
import { kubectlNodeDiff, KubectlNodeInputs } from "./kubectlHost";
import { sshRun } from "./ssh";

/**
 * The drain before a running node's restart (rollout.drain). Its `revision` is the digest that
 * triggers the node's restart: when it changes, the update cordons the Node through the API
 * (kubectl on a master), marks it (DRAINED_ANNOTATION) and evicts its pods; the restart comes
 * after it, and the node's Ready gate (providers/nodeMembership.ts) uncordons it. Create does
 * nothing: a new node has no pods yet, and a node this resource first meets (drain just turned
 * on) restarts only when its revision changes. Delete does nothing either: a removed node is
 * drained by its NodeMembership.
 */

/** What the program passes (`timeoutSec`: what the drain may take). */
export interface NodeDrainInputs extends KubectlNodeInputs {
    /** The node's restart trigger: a new value drains the Node. */
    readonly revision: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export type NodeDrainArgs = Resolved<NodeDrainInputs>;

/**
 * Shell that cordons the Node, marks it as cordoned for a restart (unless it was cordoned
 * already: then the mark is not set and the gate leaves it cordoned) and drains it. A Node that
 * is not Ready is cordoned only: its pods cannot stop, and the restart may be what repairs it. A
 * Node that never registered has nothing to drain; an API that does not answer is an error. Pure.
 */
export function restartDrainScript(a: Pick<NodeDrainArgs, "node" | "kubectl" | "kubeconfig" | "timeoutSec">): string {
    const k = kubectlCmd(a);
    const n = q(a.node);
    return [
        "set -u",
        apiAnswersOrFail(a, `cannot drain ${a.node} before its restart`),
        exitUnlessRegistered(a, a.node, "nothing to drain"),
        `if [ "$(${nodeJsonpath(a, a.node, "{.spec.unschedulable}")})" != true ]; then`,
        `  ${k} annotate node ${n} --overwrite ${q(`${DRAINED_ANNOTATION}=true`)} >&2 || exit 1`,
        `  ${k} cordon ${n} >&2 || exit 1`,
        "fi",
        `if [ "$(${nodeReadyStatus(a, a.node)})" != True ]; then`,
        `  echo ${q(`ha-kubernetes: node ${a.node} is not Ready: cordoned, not drained`)} >&2`,
        "  exit 0",
        "fi",
        drainCommand(a, a.node, a.timeoutSec),
    ].join("\n");
}

/** Replace when it is another node; update when anything changed (drains only for a new revision). Pure. */
export function nodeDrainDiff(olds: Partial<NodeDrainArgs>, news: NodeDrainArgs): pulumi.dynamic.DiffResult {
    return kubectlNodeDiff(olds, news, ["revision", "kubectl", "kubeconfig", "timeoutSec", "host"]);
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const nodeDrainProvider: pulumi.dynamic.ResourceProvider<NodeDrainArgs, NodeDrainArgs> = {
    async diff(_id, olds, news) {
        return nodeDrainDiff(olds, news);
    },
    async create(inputs) {
        return { id: `drain:${inputs.node}`, outs: inputs };
    },
    async update(_id, olds, news) {
        if (olds.revision !== news.revision) await sshRun(news.connection, `draining node ${news.node} before its restart (through ${news.host})`, restartDrainScript(news));
        return { outs: news };
    },
    read: recordedRead("node drains are"),
    async delete() {
        // a removed node is drained by its NodeMembership
    },
};

/** Cordon and drain of a running node before its restart (uncordoned by its Ready gate). */
export class NodeDrain extends pulumi.dynamic.Resource {
    constructor(name: string, args: NodeDrainInputs, opts?: pulumi.CustomResourceOptions) {
        super(nodeDrainProvider, name, args, pulumi.mergeOptions(opts, SECRET_CONNECTION), "ha-kubernetes", "NodeDrain");
    }
}
