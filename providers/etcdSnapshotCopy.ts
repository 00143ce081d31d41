import * as pulumi from "@pulumi/pulumi";
import { recordedRead, Resolved, SECRET_CONNECTION } from "./dynamic";
import { shellQuote as q } from "../lib/shell";

import { OnHostInputs, sshDownload, sshRun, SshTarget } from "./ssh";

/**
 * Copies an etcd member's newest snapshot (the one taken before its last restart) back to the
 * machine running Pulumi, into `<localDirectory>/<member>/` (directories 0700, files 0600), so a
 * backup exists off the host too. It acts whenever its trigger changes (the member's restart), and
 * checks the copy against the host's sha256. Copies are never deleted by Pulumi; the newest
 * `keep` per member are kept, older ones removed.
 */

/** What the program passes. */
export interface EtcdSnapshotCopyInputs extends OnHostInputs {
    /** The member's name (snapshot files are `<member>-<UTC time>.db`). */
    readonly member: pulumi.Input<string>;
    /** Snapshot directory on the host. */
    readonly remoteDirectory: pulumi.Input<string>;
    /** Absolute directory on the machine running Pulumi. */
    readonly localDirectory: pulumi.Input<string>;
    /** Copies kept per member locally. */
    readonly keep: pulumi.Input<number>;
    /** Changes whenever a new snapshot may exist (the member's restart). */
    readonly trigger: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export type EtcdSnapshotCopyArgs = Resolved<EtcdSnapshotCopyInputs>;

export interface EtcdSnapshotCopyState extends EtcdSnapshotCopyArgs {
    /** The local copy made last ("" when the host had no snapshot yet). */
    readonly copied: string;
    /** Its sha256. */
    readonly sha256: string;
}

/** Shell printing `<sha256>  <path>` of the member's newest snapshot, or nothing. Pure. */
export function newestSnapshotScript(remoteDirectory: string, member: string): string {
    return `set -eu\nf=$(ls -1t ${q(remoteDirectory)}/${q(member)}-*.db 2>/dev/null | head -n 1 || true)\n[ -z "$f" ] || sha256sum "$f"`;
}

/** Parses newestSnapshotScript's output. Pure. */
export function parseNewest(out: string): { path: string; sha256: string } | undefined {
    const m = /^([0-9a-f]{64})\s+(\S+\.db)\s*$/m.exec(out.trim());
    return m ? { sha256: m[1], path: m[2] } : undefined;
}

/** Local snapshot copies to remove: all but the `keep` newest (names sort by time). Pure. */
export function surplusCopies(names: readonly string[], member: string, keep: number): string[] {
    const mine = names.filter((n) => n.startsWith(`${member}-`) && n.endsWith(".db")).sort();
    return mine.slice(0, Math.max(0, mine.length - keep));
}

/** Acts when the trigger, the member or a directory changed (not on a new SSH key). Pure. */
export function snapshotCopyDiff(olds: Partial<EtcdSnapshotCopyState>, news: EtcdSnapshotCopyArgs): pulumi.dynamic.DiffResult {
    const keys = ["trigger", "member", "remoteDirectory", "localDirectory", "keep"] as const;
    return { changes: keys.some((k) => olds[k] !== news[k]), replaces: [], deleteBeforeReplace: false };
}

/** Copies the newest snapshot if there is one and it is not here yet; verifies it. */
export async function copyNewest(a: EtcdSnapshotCopyArgs): Promise<{ copied: string; sha256: string }> {
    const fs = await import("fs");
    const path = await import("path");
    const crypto = await import("crypto");
    const newest = parseNewest(await sshRun(a.connection as SshTarget, `finding ${a.member}'s newest etcd snapshot`, newestSnapshotScript(a.remoteDirectory, a.member)));
    if (!newest) return { copied: "", sha256: "" };
    const dir = path.join(a.localDirectory, a.member);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const local = path.join(dir, path.basename(newest.path));
    const sha = () =>
        new Promise<string>((resolve, reject) => {
            const h = crypto.createHash("sha256");
            fs.createReadStream(local)
                .on("data", (d) => h.update(d))
                .on("end", () => resolve(h.digest("hex")))
                .on("error", reject);
        });
    if (!fs.existsSync(local) || (await sha()) !== newest.sha256) {
        await sshDownload(a.connection as SshTarget, newest.path, local);
        const got = await sha();
        if (got !== newest.sha256) {
            fs.rmSync(local, { force: true });
            throw new Error(`the copy of ${newest.path} from ${a.host} does not match it (sha256 ${got}, on the host ${newest.sha256})`);
        }
    }
    for (const old of surplusCopies(fs.readdirSync(dir), a.member, a.keep)) fs.rmSync(path.join(dir, old), { force: true });
    return { copied: local, sha256: newest.sha256 };
}

/** The dynamic provider; captures nothing but the pure helpers it imports. */
export const etcdSnapshotCopyProvider: pulumi.dynamic.ResourceProvider<EtcdSnapshotCopyArgs, EtcdSnapshotCopyState> = {
    async diff(_id, olds, news) {
        return snapshotCopyDiff(olds, news);
    },
    async create(inputs) {
        return { id: `${inputs.member}-snapshot-copy`, outs: { ...inputs, ...(await copyNewest(inputs)) } };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, ...(await copyNewest(news)) } };
    },
    read: recordedRead("snapshot copies are"),
    async delete() {
        // The copies are backups: they stay.
    },
};

/** Copies a member's newest etcd snapshot off the host after each restart. */
export class EtcdSnapshotCopy extends pulumi.dynamic.Resource {
    /** The local copy made last ("" when the host had no snapshot yet). */
    declare public readonly copied: pulumi.Output<string>;

    constructor(name: string, args: EtcdSnapshotCopyInputs, opts?: pulumi.CustomResourceOptions) {
        super(etcdSnapshotCopyProvider, name, { ...args, copied: undefined, sha256: undefined }, pulumi.mergeOptions(opts, SECRET_CONNECTION), "ha-kubernetes", "EtcdSnapshotCopy");
    }
}
