// Pure shell builders for acting through the API with kubectl (on a master, with the admin
// kubeconfig), mostly on a Node: shared by the kubectl providers. No imports but the quoter, so a
// provider can capture them.
import { shellQuote as q } from "./shell";

/** kubectl and the kubeconfig it uses, on the host the script runs on. */
export interface KubectlOn {
    readonly kubectl: string;
    readonly kubeconfig: string;
}

/**
 * Annotation ha-kubernetes puts on a Node it cordoned for a restart; the Ready gate after the
 * restart uncordons a Node that carries it (and only such a Node: one the user cordoned stays so).
 */
export const DRAINED_ANNOTATION = "ha-kubernetes.io/drained-for-restart";

/** `kubectl --kubeconfig=… --request-timeout=<requestTimeoutSec>s`, quoted. */
export function kubectlCmd(a: KubectlOn, requestTimeoutSec = 10): string {
    return `${q(a.kubectl)} --kubeconfig=${q(a.kubeconfig)} --request-timeout=${requestTimeoutSec}s`;
}

/** `kubectl get node <node> -o jsonpath=<path>`, quoted: prints that field of the Node. */
export function nodeJsonpath(a: KubectlOn, node: string, path: string): string {
    return `${kubectlCmd(a)} get node ${q(node)} -o jsonpath=${q(path)}`;
}

/** Prints the status of the Node's Ready condition (`True`, `False`, `Unknown`). */
export function nodeReadyStatus(a: KubectlOn, node: string): string {
    return nodeJsonpath(a, node, '{.status.conditions[?(@.type=="Ready")].status}');
}

/** Fails (exit 1) with `why` when the API does not answer. */
export function apiAnswersOrFail(a: KubectlOn, why: string): string {
    return `${kubectlCmd(a)} get --raw=/readyz >/dev/null 2>&1 || { echo ${q(`ha-kubernetes: ${why}: the API does not answer`)} >&2; exit 1; }`;
}

/** Exits 0 with a note when the Node is not registered (there is nothing to act on). */
export function exitUnlessRegistered(a: KubectlOn, node: string, nothing: string): string {
    return `if ! ${kubectlCmd(a)} get node ${q(node)} >/dev/null 2>&1; then echo ${q(`ha-kubernetes: node ${node} is not registered, ${nothing}`)} >&2; exit 0; fi`;
}

/** Evicts the Node's pods (DaemonSets aside, disruption budgets honoured), bounded by `timeoutSec`. */
export function drainCommand(a: KubectlOn, node: string, timeoutSec: number): string {
    return `${kubectlCmd(a)} drain ${q(node)} --ignore-daemonsets --delete-emptydir-data --force --grace-period=30 --timeout=${Math.ceil(timeoutSec)}s >&2 || { echo ${q(`ha-kubernetes: draining ${node} failed`)} >&2; exit 1; }`;
}

/** Uncordons the Node when ha-kubernetes cordoned it for a restart, and drops the mark. */
export function uncordonIfDrained(a: KubectlOn, node: string): string {
    const k = kubectlCmd(a);
    const key = DRAINED_ANNOTATION.replace(/\./g, "\\.");
    const fail = q(`ha-kubernetes: uncordoning ${node} failed`);
    return [
        `drained="$(${nodeJsonpath(a, node, `{.metadata.annotations.${key}}`)})" || { echo ${q(`ha-kubernetes: cannot read node ${node}`)} >&2; exit 1; }`,
        `if [ -n "$drained" ]; then`,
        `  ${k} uncordon ${q(node)} >&2 || { echo ${fail} >&2; exit 1; }`,
        `  ${k} annotate node ${q(node)} ${q(`${DRAINED_ANNOTATION}-`)} >&2 || { echo ${fail} >&2; exit 1; }`,
        "fi",
    ].join("\n");
}
