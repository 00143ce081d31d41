import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ClusterHost, remoteCommand, shellQuote } from "./remote";

/**
 * Uploads of local files (binaries, image archives) to hosts. CopyToRemote writes as the login
 * user: root writes straight to the file's place; a user who becomes root (`become`) uploads into
 * UPLOAD_DIR, a directory of its own, and a Command moves the file into place as root.
 */

/** Where a login user other than root uploads to (0700, owned by it); emptied as each file moves into place. */
export const UPLOAD_DIR = "/var/lib/ha-kubernetes/uploads";

/** Shell (run as root) that makes the directory of `remotePath`, and with `become` the login user's UPLOAD_DIR. Pure. */
export function stageUploadScript(remotePath: string, become: boolean): string {
    const mkdir = `mkdir -p ${shellQuote(path.posix.dirname(remotePath))}`;
    // sudo names the login user in SUDO_USER
    return become ? `set -eu\n${mkdir}\ninstall -d -m 0700 -o "\${SUDO_USER:?}" ${shellQuote(UPLOAD_DIR)}` : mkdir;
}

/**
 * Shell (run as root) that moves an upload into place as a root-owned 0600 file and checks it; a
 * re-run after the move (a new connection) only checks. Pure.
 */
export function placeUploadScript(input: { uploaded: string; remotePath: string; sha256: string; host: string }): string {
    const q = shellQuote;
    const dest = q(input.remotePath);
    return [
        "set -eu",
        `if [ -e ${q(input.uploaded)} ]; then`,
        `    tmp="$(mktemp -- ${q(input.remotePath + ".ha-k8s.XXXXXX")})"`,
        `    install -m 0600 -o root -g root -- ${q(input.uploaded)} "$tmp"`,
        `    mv -f -- "$tmp" ${dest}`,
        `    rm -f -- ${q(input.uploaded)}`,
        "fi",
        `echo ${q(`${input.sha256}  ${input.remotePath}`)} | sha256sum -c --status || { echo ${q(`ha-kubernetes: ${input.remotePath} on ${input.host} is not the uploaded file`)} >&2; exit 1; }`,
    ].join("\n");
}

/**
 * Uploads a local file to `remotePath` on `host` (its directory made first): `${prefix}-stage-${key}`
 * makes the directory, `${prefix}-upload-${key}` copies the file; both run again when `sha256`
 * changes. With `become`, the file goes to UPLOAD_DIR and `${prefix}-place-${key}` moves it into
 * place as root. Returns what a user of the file waits for.
 */
export function uploadFile(
    prefix: string,
    key: string,
    host: ClusterHost,
    localPath: string,
    remotePath: string,
    sha256: string,
    opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
    const mkdir = remoteCommand(`${prefix}-stage-${key}`, host, { create: stageUploadScript(remotePath, !!host.become), triggers: [sha256] }, opts);
    const uploaded = host.become ? `${UPLOAD_DIR}/${prefix}-${key}` : remotePath;
    const upload = new command.remote.CopyToRemote(
        `${prefix}-upload-${key}`,
        {
            connection: host.connection,
            source: new pulumi.asset.FileAsset(localPath),
            remotePath: uploaded,
            triggers: [sha256],
        },
        pulumi.mergeOptions(opts, { dependsOn: [mkdir] }),
    );
    if (!host.become) return upload;
    return remoteCommand(
        `${prefix}-place-${key}`,
        host,
        { create: placeUploadScript({ uploaded, remotePath, sha256, host: host.name }), triggers: [sha256], logging: "stderr" },
        pulumi.mergeOptions(opts, { dependsOn: [upload] }),
    );
}

/** sha256 hex of a local file, read in chunks. */
export function fileSha256(file: string): string {
    const h = createHash("sha256");
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(1 << 20);
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
    } finally {
        fs.closeSync(fd);
    }
    return h.digest("hex");
}
