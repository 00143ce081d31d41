import * as pulumi from "@pulumi/pulumi";
import { recorded, Resolved } from "./dynamic";
import { shellQuote as q, waitScript } from "../lib/shell";
import { kubectlCmd } from "../lib/nodeScripts";
import { KubectlHostInputs } from "./kubectlHost";
import { reachChanged, sshRun } from "./ssh";

/**
 * One Kubernetes object ha-kubernetes owns (an add-on's Deployment, a ClusterRoleBinding, an
 * object of a user's manifest), applied through the API with server-side apply under one field
 * manager, by kubectl on a master with the operator kubeconfig (the machine running Pulumi need not
 * reach the API; SSH to the masters is all it has). `read` asks the API server, with a
 * server-side dry-run of the same apply (`kubectl diff --server-side`), whether applying again
 * would change anything: a deleted object or an edited field ha-kubernetes set shows up in
 * `pulumi refresh`, and `pulumi up` applies exactly that object again. Delete removes it.
 */

/** What the program passes (`timeoutSec`: the wait for the API to answer before applying). */
export interface KubernetesObjectInputs extends KubectlHostInputs {
    /**
     * Which object this is, known when the program runs even where the manifest is not (one
     * carrying a certificate issued in the same run): the resource's id, what `diff` compares to
     * decide a replacement, and what the manifest must declare.
     */
    readonly identity: ObjectIdentity;
    /** The object as JSON (one object with apiVersion, kind, metadata.name). */
    readonly manifest: pulumi.Input<string>;
    /** Server-side apply field manager. */
    readonly fieldManager: pulumi.Input<string>;
}

/**
 * The same, resolved, as the provider receives it (`identity` is absent in the state of objects
 * created before it was an input: their manifest's).
 */
export type KubernetesObjectArgs = Resolved<KubernetesObjectInputs>;

/** What the provider records. */
export interface KubernetesObjectState extends KubernetesObjectArgs {
    /** The object exists in the API (as last seen). */
    readonly present: boolean;
    /** Applying the manifest again would change nothing (as last seen). */
    readonly inSync: boolean;
}

/** The identity of an object: what makes it another object when it changes. */
export interface ObjectIdentity {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
}

/** Parses a manifest and returns its identity, or throws naming what is missing. Pure. */
export function objectIdentity(manifest: string): ObjectIdentity {
    let o: unknown;
    try {
        o = JSON.parse(manifest);
    } catch (e) {
        throw new Error(`manifest is not JSON: ${(e as Error).message}`, { cause: e });
    }
    return identityOfObject(o);
}

/** The identity of an object given as a value, or throws naming what is missing. Pure. */
export function identityOfObject(value: unknown): ObjectIdentity {
    const o = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error("manifest must be one object");
    if (typeof o.apiVersion !== "string" || !o.apiVersion) throw new Error("manifest has no apiVersion");
    if (typeof o.kind !== "string" || !o.kind) throw new Error("manifest has no kind");
    if (typeof o.metadata?.name !== "string" || !o.metadata.name) throw new Error(`${o.kind} has no metadata.name`);
    const ns = o.metadata.namespace;
    return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(typeof ns === "string" && ns ? { namespace: ns } : {}) };
}

/** What a dynamic provider receives for an input not known yet (a preview before its source exists). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The problem with a manifest, given the identity it must declare; undefined when fine or not known yet. Pure. */
export function manifestProblem(manifest: string, identity: ObjectIdentity): string | undefined {
    if (manifest === UNKNOWN) return undefined;
    let got: ObjectIdentity;
    try {
        got = objectIdentity(manifest);
    } catch (e) {
        return (e as Error).message;
    }
    const want = { apiVersion: identity?.apiVersion, kind: identity?.kind, name: identity?.name, namespace: identity?.namespace };
    const same = got.apiVersion === want.apiVersion && got.kind === want.kind && got.name === want.name && (got.namespace ?? undefined) === (want.namespace || undefined);
    return same ? undefined : `the manifest is ${got.apiVersion} ${describeObject(got)}, declared as ${want.apiVersion} ${describeObject(want as ObjectIdentity)}`;
}

/** The identity an (older) state recorded: its own, else its manifest's. Pure. */
function identityOfState(s: Partial<KubernetesObjectState>): ObjectIdentity | undefined {
    return s.identity ?? (s.manifest ? objectIdentity(s.manifest) : undefined);
}

/** `kind/name` or `kind/namespace/name`, for ids and messages. Pure. */
export function describeObject(id: ObjectIdentity): string {
    return id.namespace ? `${id.kind}/${id.namespace}/${id.name}` : `${id.kind}/${id.name}`;
}

/** kubectl's per-request timeout in these scripts, in seconds. */
const REQUEST_TIMEOUT_SEC = 30;

/** The manifest arrives on stdin; scripts keep it in a 0600 file for kubectl's several reads. */
const STDIN_TO_FILE = ["set -u", "umask 077", 'f="$(mktemp)"', "trap 'rm -f \"$f\"' EXIT", 'cat > "$f"'];

/** Shell that waits for the API, then applies stdin server-side (conflicts forced: we own these fields). Pure. */
export function applyScript(a: Pick<KubernetesObjectArgs, "kubectl" | "kubeconfig" | "fieldManager" | "timeoutSec">): string {
    const k = kubectlCmd(a, REQUEST_TIMEOUT_SEC);
    return [
        ...STDIN_TO_FILE,
        waitScript({ what: "the Kubernetes API to answer", check: `${k} get --raw=/readyz`, timeoutSec: a.timeoutSec }),
        `${k} apply --server-side --force-conflicts --field-manager=${q(a.fieldManager)} -f "$f" >&2`,
    ].join("\n");
}

/**
 * Shell that prints `absent`, `in-sync` or `differs` for the object on stdin: `kubectl diff
 * --server-side` dry-runs the same apply on the API server and exits 1 when it would change the
 * live object (0: nothing to change; anything else is an error). Pure.
 */
export function observeScript(a: Pick<KubernetesObjectArgs, "kubectl" | "kubeconfig" | "fieldManager">): string {
    const k = kubectlCmd(a, REQUEST_TIMEOUT_SEC);
    return [
        ...STDIN_TO_FILE,
        `out="$(${k} get -f "$f" -o name 2>&1)" || { case "$out" in *NotFound*|*"not found"*) echo absent; exit 0 ;; esac; echo "$out" >&2; exit 1; }`,
        `rc=0; ${k} diff --server-side --force-conflicts --field-manager=${q(a.fieldManager)} -f "$f" >&2 || rc=$?`,
        'case "$rc" in 0) echo in-sync ;; 1) echo differs ;; *) exit "$rc" ;; esac',
    ].join("\n");
}

/** Shell that deletes the object on stdin (already gone is fine). Pure. */
export function deleteScript(a: Pick<KubernetesObjectArgs, "kubectl" | "kubeconfig">): string {
    return [...STDIN_TO_FILE, `${kubectlCmd(a, REQUEST_TIMEOUT_SEC)} delete --ignore-not-found=true --wait=false -f "$f" >&2`].join("\n");
}

/** Parses observeScript's output. Pure. */
export function parseObservation(out: string): { present: boolean; inSync: boolean } {
    const w = out.trim().split("\n").pop() ?? "";
    if (w === "absent") return { present: false, inSync: false };
    if (w === "in-sync") return { present: true, inSync: true };
    if (w === "differs") return { present: true, inSync: false };
    throw new Error(`unexpected output of the object check: ${JSON.stringify(out.trim())}`);
}

/** Another object → replace; a changed manifest, or one seen missing or edited → update. Pure. */
export function objectDiff(olds: Partial<KubernetesObjectState>, news: KubernetesObjectArgs): pulumi.dynamic.DiffResult {
    const o = identityOfState(olds);
    const before = o ? `${o.apiVersion} ${describeObject(o)}` : "";
    const after = `${news.identity.apiVersion} ${describeObject(news.identity)}`;
    const replaces = before !== after ? ["manifest"] : [];
    const drift = olds.present !== true || olds.inSync !== true;
    const changed =
        replaces.length > 0 ||
        drift ||
        olds.manifest !== news.manifest ||
        olds.fieldManager !== news.fieldManager ||
        reachChanged(olds.connection, news.connection) ||
        olds.kubectl !== news.kubectl ||
        olds.kubeconfig !== news.kubeconfig;
    return { changes: changed, replaces, deleteBeforeReplace: false };
}

async function apply(a: KubernetesObjectArgs): Promise<KubernetesObjectState> {
    const problem = manifestProblem(a.manifest, a.identity);
    if (problem || a.manifest === UNKNOWN) throw new Error(`${describeObject(a.identity)}: ${problem ?? "the manifest is not known"}`);
    await sshRun(a.connection, `applying ${describeObject(a.identity)} (through ${a.host})`, applyScript(a), a.manifest);
    return { ...a, present: true, inSync: true };
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const kubernetesObjectProvider: pulumi.dynamic.ResourceProvider<KubernetesObjectArgs, KubernetesObjectState> = {
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (!news.identity || typeof news.identity.kind !== "string" || typeof news.identity.name !== "string" || typeof news.identity.apiVersion !== "string") {
            failures.push({ property: "identity", reason: "identity needs apiVersion, kind and name" });
        } else {
            const problem = manifestProblem(news.manifest, news.identity);
            if (problem) failures.push({ property: "manifest", reason: problem });
        }
        if (!/^[A-Za-z0-9._:-]{1,128}$/.test(news.fieldManager ?? ""))
            failures.push({ property: "fieldManager", reason: `bad field manager ${JSON.stringify(news.fieldManager)}` });
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        return objectDiff(olds, news);
    },
    async create(inputs) {
        return { id: describeObject(inputs.identity), outs: await apply(inputs) };
    },
    async read(id, props) {
        props = recorded(id, props, "ha-kubernetes objects are");
        const seen = parseObservation(await sshRun(props.connection, `checking ${id} (through ${props.host})`, observeScript(props), props.manifest));
        return { id, props: { ...props, ...seen } };
    },
    async update(_id, _olds, news) {
        return { outs: await apply(news) };
    },
    async delete(id, props) {
        await sshRun(props.connection, `deleting ${id} (through ${props.host})`, deleteScript(props), props.manifest);
    },
};

/** A Kubernetes object applied server-side through the API, drift-detected on refresh. */
export class KubernetesObject extends pulumi.dynamic.Resource {
    declare public readonly present: pulumi.Output<boolean>;

    /** `secretManifest`: the manifest holds secrets (a Secret): kept encrypted in the state. */
    constructor(name: string, args: KubernetesObjectInputs, opts?: pulumi.CustomResourceOptions & { readonly secretManifest?: boolean }) {
        const { secretManifest, ...rest } = opts ?? {};
        super(
            kubernetesObjectProvider,
            name,
            { ...args, present: undefined, inSync: undefined },
            pulumi.mergeOptions(rest, { additionalSecretOutputs: ["connection", ...(secretManifest ? ["manifest"] : [])] }),
            "ha-kubernetes",
            "KubernetesObject",
        );
    }
}
