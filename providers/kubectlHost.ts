import * as pulumi from "@pulumi/pulumi";
import { Resolved } from "./dynamic";
import { OnHostInputs, reachChanged } from "./ssh";

/**
 * The inputs of the providers that act through the API with kubectl on a master (the machine
 * running Pulumi need not reach the API: SSH to the masters is all it has), and the diff the
 * per-Node ones share.
 */

/** Where kubectl runs (`host`/`connection`: a master) and with what. */
export interface KubectlHostInputs extends OnHostInputs {
    /** kubectl binary on the kubectl host. */
    readonly kubectl: pulumi.Input<string>;
    /** Admin kubeconfig on the kubectl host. */
    readonly kubeconfig: pulumi.Input<string>;
    /** Seconds the provider may wait: for the API to answer, a Node to get Ready, a drain. */
    readonly timeoutSec: pulumi.Input<number>;
}

/** The same, acting on one Node. */
export interface KubectlNodeInputs extends KubectlHostInputs {
    /** Node name. */
    readonly node: pulumi.Input<string>;
}

/** The same, resolved, as a provider receives it. */
export type KubectlNodeArgs = Resolved<KubectlNodeInputs>;

/**
 * The diff of a resource acting on one Node: replace when it is another node (the old one is
 * let go first); update when the master's connection, any of `keys` or `otherwise` changed. Pure.
 */
export function kubectlNodeDiff<T extends KubectlNodeArgs>(olds: Partial<T>, news: T, keys: ReadonlyArray<keyof T>, otherwise = false): pulumi.dynamic.DiffResult {
    const replaces = olds.node !== news.node ? ["node"] : [];
    const changed = replaces.length > 0 || otherwise || reachChanged(olds.connection, news.connection) || keys.some((k) => olds[k] !== news[k]);
    return { changes: changed, replaces, deleteBeforeReplace: true };
}
