import * as pulumi from "@pulumi/pulumi";
import { Resolved } from "./dynamic";
import { shellQuote as q, waitScript, writeFileScript } from "../lib/shell";
import { kubectlCmd } from "../lib/nodeScripts";
import { EncryptionKey, encryptionConfigBody, encryptionKeysOf, keyId, rotationPlan, sameKeys } from "../lib/encryptionConfig";
import { reachChanged, sshExec, sshRun, SshTarget } from "./ssh";

/**
 * Rotates the key of encryption at rest on running masters, with the API answering throughout.
 * It reads the key lists the masters' EncryptionConfiguration files hold (so it also takes over
 * from a release that wrote another provider, and from an interrupted rotation), then, one master
 * at a time per stage (each apiserver restarted and /readyz before the next): the new key becomes
 * readable everywhere, then the key every master writes with, and every object of the encrypted
 * resources is rewritten with it. The final file, with only the new key, is the control plane's
 * own ManagedFile, written after this resource (its write rolls the masters once more). A first
 * install (no master has the file) has nothing to rotate. Deleting does nothing.
 */

/** One master, as the program passes it. */
export interface RotationMaster {
    readonly host: string;
    /** Carries the SSH key. */
    readonly connection: SshTarget;
}

/** What the program passes. */
export interface EncryptionRotationInputs {
    /** The masters, in rollout order. Secret (connections). */
    readonly masters: pulumi.Input<RotationMaster[]>;
    /** The EncryptionConfiguration file on every master. */
    readonly path: pulumi.Input<string>;
    /** The key to write with. Secret. */
    readonly key: pulumi.Input<EncryptionKey>;
    /** Resources encrypted (rewritten on a rotation). */
    readonly resources: pulumi.Input<string[]>;
    /** kubectl and the host kubeconfig on the masters. */
    readonly kubectl: pulumi.Input<string>;
    readonly kubeconfig: pulumi.Input<string>;
    /** The apiserver each master's restart waits for (`https://127.0.0.1:6443`). */
    readonly localUrl: pulumi.Input<string>;
    /** Seconds an apiserver may take to get ready. */
    readonly timeoutSec: pulumi.Input<number>;
}

/** The same, resolved, as the provider receives it. */
export type EncryptionRotationArgs = Resolved<EncryptionRotationInputs>;

export interface EncryptionRotationState extends EncryptionRotationArgs {
    /** `<provider>:<name>` of the key every master writes with. */
    readonly keyId: string;
    /** sha256 of the key (tells a new key of the same name apart without holding it in clear). */
    readonly keySha256: string;
    /** The keys the last rotation dropped (`<provider>:<name>`; none when nothing was rotated). */
    readonly dropped: string[];
    /** Objects the last rotation rewrote, by resource. */
    readonly rewritten: Record<string, number>;
}

/** sha256 of a key's material. */
async function fingerprint(k: EncryptionKey): Promise<string> {
    const { createHash } = await import("crypto");
    return createHash("sha256").update(k.secretBase64).digest("hex");
}

/**
 * Acts when the key (`newSha256`: the new key's fingerprint) or the resources changed, or a
 * master is reached otherwise (then the rotation finds nothing to do and only records). Pure.
 */
export function rotationDiff(olds: Partial<EncryptionRotationState>, news: EncryptionRotationArgs, newSha256: string): pulumi.dynamic.DiffResult {
    const reach = (ms: readonly RotationMaster[] | undefined) => (ms ?? []).map((m) => m.host).join(",");
    const changed =
        olds.keyId !== keyId(news.key) ||
        olds.keySha256 !== newSha256 ||
        JSON.stringify(olds.resources) !== JSON.stringify(news.resources) ||
        reach(olds.masters) !== reach(news.masters) ||
        news.masters.some((m) => reachChanged(olds.masters?.find((o) => o.host === m.host)?.connection, m.connection));
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
}

/** Shell printing the file if it exists (nothing otherwise). Pure. */
export function readConfigScript(path: string): string {
    return `if [ -f ${q(path)} ]; then cat -- ${q(path)}; fi`;
}

/** Shell writing stdin to `path` (0600), restarting the apiserver and waiting for its /readyz. Pure. */
export function stageScript(a: Pick<EncryptionRotationArgs, "path" | "localUrl" | "timeoutSec">, host: string): string {
    return [
        writeFileScript(a.path, "0600"),
        "set +e",
        `systemctl restart kube-apiserver || { journalctl -u kube-apiserver -n 30 --no-pager >&2; echo ${q(`ha-kubernetes: kube-apiserver failed to start on ${host}`)} >&2; exit 1; }`,
        waitScript({ what: `kube-apiserver /readyz on ${host}`, check: `curl -sfk --max-time 3 ${q(`${a.localUrl}/readyz`)}`, timeoutSec: a.timeoutSec, unit: "kube-apiserver" }),
    ].join("\n");
}

/**
 * Shell rewriting every object of `resources` through the API (so each is stored with the key
 * now written with), each resource up to 5 times on conflicts; prints `rewrote <resource> <n>`.
 * The objects pass from kubectl to kubectl on the master, never to stdout. Pure.
 */
export function rewriteScript(a: Pick<EncryptionRotationArgs, "kubectl" | "kubeconfig" | "resources">): string {
    const k = kubectlCmd(a, 60);
    return [
        "set -u",
        ...a.resources.map((r) =>
            [
                `n=$(${k} get ${q(r)} --all-namespaces -o name | wc -l) || { echo ${q(`ha-kubernetes: cannot list ${r}`)} >&2; exit 1; }`,
                `if [ "$n" -gt 0 ]; then`,
                `  done=0`,
                `  for attempt in 1 2 3 4 5; do`,
                `    if out=$(${k} get ${q(r)} --all-namespaces -o json | ${k} replace -f - 2>&1); then done=1; break; fi`,
                `    printf '%s\\n' "$out" | grep -v ' replaced$' | head -n 3 >&2; sleep 2`,
                `  done`,
                `  [ "$done" = 1 ] || { echo ${q(`ha-kubernetes: could not rewrite every ${r} with the new encryption key`)} >&2; exit 1; }`,
                `fi`,
                `echo ${q(`rewrote ${r}`)} "$n"`,
            ].join("\n"),
        ),
    ].join("\n");
}

/** Parses rewriteScript's output. Pure. */
export function parseRewritten(out: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const m of out.matchAll(/^rewrote (\S+) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
    return counts;
}

/** Reads every master's keys (undefined: no file, not installed yet), then rolls the stages and rewrites. */
export async function rotate(a: EncryptionRotationArgs): Promise<{ dropped: string[]; rewritten: Record<string, number> }> {
    const YAML = (await import("yaml")).default;
    const running: Array<{ m: RotationMaster; keys: EncryptionKey[] }> = [];
    for (const m of a.masters) {
        // the file holds key material: its content never goes into a message
        const r = await sshExec(m.connection, readConfigScript(a.path));
        if (r.code !== 0) throw new Error(`reading ${a.path} on ${m.host} failed (exit ${r.code}): ${r.stderr.trim()}`);
        if (r.stdout.trim() === "") continue;
        let parsed: unknown;
        try {
            parsed = YAML.parse(r.stdout, { version: "1.1" });
        } catch {
            // (the parser's message quotes the file, and the file holds keys)
            throw new Error(`${a.path} on ${m.host} is not valid YAML`);
        }
        let keys: EncryptionKey[];
        try {
            keys = encryptionKeysOf(parsed);
        } catch (e) {
            throw new Error(`${a.path} on ${m.host}: ${(e as Error).message}`, { cause: e });
        }
        running.push({ m, keys });
    }
    const plan = rotationPlan(
        running.map((r) => r.keys),
        a.key,
    );
    if (plan.stages.length === 0) return { dropped: [], rewritten: {} };
    for (const stage of plan.stages) {
        const content = JSON.stringify({ apiVersion: "apiserver.config.k8s.io/v1", kind: "EncryptionConfiguration", ...encryptionConfigBody(stage, a.resources) }, null, 2);
        for (const r of running) {
            if (sameKeys(r.keys, stage)) continue;
            await sshRun(r.m.connection, `encryption key rotation (${stage.map(keyId).join(", ")})`, stageScript(a, r.m.host), content);
            r.keys = [...stage];
        }
    }
    const out = await sshRun(running[0].m.connection, "rewriting the encrypted resources with the new key", rewriteScript(a));
    return { dropped: plan.dropped.map(keyId), rewritten: parseRewritten(out) };
}

async function state(a: EncryptionRotationArgs, done: { dropped: string[]; rewritten: Record<string, number> }): Promise<EncryptionRotationState> {
    return { ...a, keyId: keyId(a.key), keySha256: await fingerprint(a.key), ...done };
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const encryptionRotationProvider: pulumi.dynamic.ResourceProvider<EncryptionRotationArgs, EncryptionRotationState> = {
    async diff(_id, olds, news) {
        // at preview a new key is not known yet (a string placeholder): that is a change
        if (typeof news.key?.secretBase64 !== "string" || !Array.isArray(news.masters)) return { changes: true, replaces: [], deleteBeforeReplace: false };
        return rotationDiff(olds, news, await fingerprint(news.key));
    },
    async create(inputs) {
        return { id: `encryption:${inputs.path}`, outs: await state(inputs, await rotate(inputs)) };
    },
    async update(_id, _olds, news) {
        return { outs: await state(news, await rotate(news)) };
    },
    async delete() {
        // the masters' files are the control plane's ManagedFiles
    },
};

/** The rotation of the encryption-at-rest key on the masters (see above). */
export class EncryptionRotation extends pulumi.dynamic.Resource {
    declare public readonly keyId: pulumi.Output<string>;
    declare public readonly dropped: pulumi.Output<string[]>;
    declare public readonly rewritten: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: EncryptionRotationInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            encryptionRotationProvider,
            name,
            { ...args, keyId: undefined, keySha256: undefined, dropped: undefined, rewritten: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["masters", "key"] }),
            "ha-kubernetes",
            "EncryptionRotation",
        );
    }
}
