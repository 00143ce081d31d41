import * as pulumi from "@pulumi/pulumi";
import { recorded, Resolved } from "./dynamic";
import { createHash } from "crypto";
import { deleteFileScript, shellQuote, writeFileScript } from "../lib/shell";

import { OnPath, OnPathInputs, reachChanged, sshRun } from "./ssh";

/**
 * A file ha-kubernetes owns on a host. Unlike a write-only command, `read` looks at the host:
 * `pulumi refresh` records the file's real content hash and mode, so an edited or deleted file
 * shows up as drift and the next `pulumi up` rewrites exactly that file.
 */

/** What the program passes: the path and the file's whole content. */
export interface ManagedFileInputs extends OnPathInputs {
    /** Octal mode, e.g. "0644" or "0600". */
    readonly mode: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export type ManagedFileArgs = Resolved<ManagedFileInputs>;

/** What the provider records (never the content). */
export interface ManagedFileState extends OnPath {
    /** Mode found on the host ("" when absent). */
    readonly mode: string;
    /** How many times ha-kubernetes wrote the file; services restart when it changes. */
    readonly writes: number;
}

/** sha256 hex of a string. Pure. */
export function contentSha256(content: string): string {
    return createHash("sha256").update(content, "utf8").digest("hex");
}

/** Shell that prints `<mode> <sha256>` for a file, or `absent`. Pure. */
export function statScript(path: string): string {
    const p = shellQuote(path);
    return `if [ -f ${p} ]; then printf '%s %s\\n' "$(stat -c %a -- ${p})" "$(sha256sum -- ${p} | cut -d' ' -f1)"; else echo absent; fi`;
}

/** Parses statScript's output. Pure. */
export function parseStat(out: string): { exists: boolean; mode: string; sha256: string } {
    const line = out.trim();
    if (line === "absent" || line === "") return { exists: false, mode: "", sha256: "" };
    const m = /^([0-7]{3,4}) ([0-9a-f]{64})$/.exec(line);
    if (!m) throw new Error(`unexpected stat output: ${JSON.stringify(line)}`);
    return { exists: true, mode: m[1].padStart(4, "0"), sha256: m[2] };
}

/** What differs between the recorded state and the desired file. Pure. */
export function fileDiff(olds: ManagedFileState, news: ManagedFileArgs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    if (olds.path !== news.path) replaces.push("path");
    if (olds.connection?.host !== news.connection.host) replaces.push("connection");
    const drift = !olds.exists || olds.sha256 !== contentSha256(news.content) || olds.mode !== news.mode;
    return { changes: replaces.length > 0 || drift || reachChanged(olds.connection, news.connection), replaces, deleteBeforeReplace: true };
}

async function write(a: ManagedFileArgs, firstWrite: boolean): Promise<void> {
    await sshRun(a.connection, `writing ${a.path}`, writeFileScript(a.path, a.mode, firstWrite), a.content);
}

function state(a: ManagedFileArgs, writes: number): ManagedFileState {
    return { host: a.host, connection: a.connection, path: a.path, mode: a.mode, sha256: contentSha256(a.content), exists: true, writes };
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const managedFileProvider: pulumi.dynamic.ResourceProvider<ManagedFileArgs, ManagedFileState> = {
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (typeof news.path !== "string" || !news.path.startsWith("/")) failures.push({ property: "path", reason: `path must be absolute: ${JSON.stringify(news.path)}` });
        if (!/^0[0-7]{3}$/.test(news.mode)) failures.push({ property: "mode", reason: `mode must be octal like 0644: ${JSON.stringify(news.mode)}` });
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        return fileDiff(olds, news);
    },
    async create(inputs) {
        await write(inputs, true);
        return { id: `${inputs.host}:${inputs.path}`, outs: state(inputs, 1) };
    },
    async read(id, props) {
        props = recorded(id, props, "ha-kubernetes files are");
        const found = parseStat(await sshRun(props.connection, `reading ${props.path}`, statScript(props.path)));
        return { id, props: { ...props, ...found } };
    },
    async update(_id, olds, news) {
        await write(news, false);
        return { outs: state(news, (olds.writes ?? 0) + 1) };
    },
    async delete(_id, props) {
        await sshRun(props.connection, `removing ${props.path}`, deleteFileScript(props.path));
    },
};

/** A file on a host, drift-detected on refresh. */
export class ManagedFile extends pulumi.dynamic.Resource {
    /** How many times ha-kubernetes wrote the file (the restart trigger of its services). */
    declare public readonly writes: pulumi.Output<number>;

    constructor(name: string, args: ManagedFileInputs, opts?: pulumi.CustomResourceOptions & { readonly secretContent?: boolean }) {
        const { secretContent, ...rest } = opts ?? {};
        super(
            managedFileProvider,
            name,
            { ...args, sha256: undefined, exists: undefined, writes: undefined },
            pulumi.mergeOptions(rest, { additionalSecretOutputs: ["connection", ...(secretContent ? ["sha256"] : [])] }),
            "ha-kubernetes",
            "ManagedFile",
        );
    }
}
