import * as pulumi from "@pulumi/pulumi";
import { contentSha256 } from "./managedFile";
import { recorded, Resolved } from "./dynamic";
import { blockDeleteScript, blockReadScript, blockWriteScript } from "../lib/managedBlock";
import { OnPath, OnPathInputs, reachChanged, sshRun } from "./ssh";

/**
 * A block of lines ha-kubernetes owns inside a file the host owns (its /etc/hosts): the lines
 * between `# BEGIN ha-kubernetes` and `# END ha-kubernetes` are ours, every other line stays the
 * host's. `read` looks at the host, so an edited or removed block is drift that the next
 * `pulumi up` repairs; delete removes the block and leaves the rest of the file.
 */

/** What the program passes: the host's file, and the block's lines (each ending with a newline; no marker line). */
export type ManagedBlockInputs = OnPathInputs;

/** The same, resolved, as the provider receives it. */
export type ManagedBlockArgs = Resolved<ManagedBlockInputs>;

/** What the provider records: the sha256 of the block found on the host ("" when there is none). */
export type ManagedBlockState = OnPath;

/** sha256 hex of the block's text (as of a managed file's). Pure. */
export const blockSha256 = contentSha256;

/** Parses blockReadScript's output. Pure. */
export function parseBlockRead(out: string): { exists: boolean; sha256: string } {
    const line = out.trim();
    if (line === "absent") return { exists: false, sha256: "" };
    if (!/^[0-9a-f]{64}$/.test(line)) throw new Error(`unexpected block read output: ${JSON.stringify(line)}`);
    return { exists: true, sha256: line };
}

/** What differs between the recorded state and the desired block. Pure. */
export function blockDiff(olds: ManagedBlockState, news: ManagedBlockArgs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    if (olds.path !== news.path) replaces.push("path");
    if (olds.connection?.host !== news.connection.host) replaces.push("connection");
    const drift = !olds.exists || olds.sha256 !== blockSha256(news.content);
    return { changes: replaces.length > 0 || drift || reachChanged(olds.connection, news.connection), replaces, deleteBeforeReplace: true };
}

async function write(a: ManagedBlockArgs): Promise<ManagedBlockState> {
    await sshRun(a.connection, `writing ha-kubernetes' lines in ${a.path}`, blockWriteScript(a.path), a.content);
    return { host: a.host, connection: a.connection, path: a.path, sha256: blockSha256(a.content), exists: true };
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const managedBlockProvider: pulumi.dynamic.ResourceProvider<ManagedBlockArgs, ManagedBlockState> = {
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (typeof news.path !== "string" || !news.path.startsWith("/")) failures.push({ property: "path", reason: `path must be absolute: ${JSON.stringify(news.path)}` });
        const c = news.content;
        if (typeof c !== "string" || (c !== "" && !c.endsWith("\n")) || /^# (BEGIN|END) ha-kubernetes$/m.test(c))
            failures.push({ property: "content", reason: "content must be lines that each end with a newline, without the block's marker lines" });
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        return blockDiff(olds, news);
    },
    async create(inputs) {
        return { id: `${inputs.host}:${inputs.path}#ha-kubernetes`, outs: await write(inputs) };
    },
    async read(id, props) {
        props = recorded(id, props, "ha-kubernetes blocks are");
        const found = parseBlockRead(await sshRun(props.connection, `reading ${props.path}`, blockReadScript(props.path)));
        return { id, props: { ...props, ...found } };
    },
    async update(_id, _olds, news) {
        return { outs: await write(news) };
    },
    async delete(_id, props) {
        await sshRun(props.connection, `removing ha-kubernetes' lines from ${props.path}`, blockDeleteScript(props.path));
    },
};

/** ha-kubernetes' lines in a host's file, drift-detected on refresh. */
export class ManagedBlock extends pulumi.dynamic.Resource {
    constructor(name: string, args: ManagedBlockInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            managedBlockProvider,
            name,
            { ...args, sha256: undefined, exists: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "ha-kubernetes",
            "ManagedBlock",
        );
    }
}
