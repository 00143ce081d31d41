import { createHash } from "crypto";

/**
 * SSH host keys as OpenSSH writes them (`ssh-ed25519 AAAA… [comment]`, the form of
 * /etc/ssh/ssh_host_*_key.pub, known_hosts and @pulumi/command's `hostKey`): parsing,
 * fingerprints, comparison. Pure.
 */

/** Host key types ha-kubernetes accepts (what sshd offers by default). */
export const HOST_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] as const;

export interface ParsedHostKey {
    readonly type: string;
    /** The key blob (wire format), which names its type first. */
    readonly blob: Buffer;
}

/** The type a key blob names (its first SSH string), or undefined. */
function blobType(blob: Buffer): string | undefined {
    if (blob.length < 4) return undefined;
    const n = blob.readUInt32BE(0);
    return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString("latin1") : undefined;
}

/** A host key line parsed, or the problem with it (never quoting the value). */
export function parseHostKey(line: unknown): ParsedHostKey | string {
    if (typeof line !== "string") return "must be a string: the host's public key as `<type> <base64>` (e.g. /etc/ssh/ssh_host_ed25519_key.pub)";
    const [type, b64] = line.trim().split(/\s+/);
    if (!HOST_KEY_TYPES.includes(type as never)) return `must start with a host key type (${HOST_KEY_TYPES.join(", ")})`;
    if (!b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return "must be `<type> <base64>` as in /etc/ssh/ssh_host_*_key.pub";
    const blob = Buffer.from(b64, "base64");
    if (blobType(blob) !== type) return `its base64 part is not a ${type} key`;
    return { type, blob };
}

/** `<type> <base64>` of a key blob (what a server presents). */
export function hostKeyLine(blob: Buffer): string {
    return `${blobType(blob) ?? "unknown"} ${blob.toString("base64")}`;
}

/** The key's fingerprint as `ssh-keygen -lf` prints it: `SHA256:<base64, no padding>`. */
export function fingerprint(key: string | Buffer): string {
    const blob = typeof key === "string" ? (parseHostKey(key) as ParsedHostKey).blob : key;
    if (!blob) return "SHA256:?";
    return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** True when both lines hold the same key (comments aside). */
export function sameHostKey(a: string, b: string): boolean {
    const x = parseHostKey(a);
    const y = parseHostKey(b);
    return typeof x !== "string" && typeof y !== "string" && x.blob.equals(y.blob);
}

/** The server host key algorithms that make a server present a key of this type. */
export function hostKeyAlgorithms(type: string): string[] {
    return type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
}

/** Where a host's sshd answers: `address:port` (the key of the known host keys). */
export function sshEndpoint(address: string, port: number): string {
    return `${address}:${port}`;
}

/** The message of a changed host key: the host, where it answers, both fingerprints, what to do. */
export function hostKeyMismatch(host: string, endpoint: string, expected: string, presented: string | Buffer): string {
    return (
        `the SSH host key of ${host} (${endpoint}) changed: expected ${fingerprint(expected)}, it presented ${fingerprint(presented)}; ` +
        "nothing was sent to it. If the host was re-installed, check the new key on its console " +
        "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it in hosts[].sshHostKey (ssh.bastion.hostKey for a bastion)"
    );
}
