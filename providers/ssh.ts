/**
 * Running a shell script on a host over SSH (the `ssh2` library), for dynamic providers.
 * Everything here is plain data in, plain data out, so providers can capture it.
 */
import { asRoot, Become, shellQuote } from "../lib/shell";
import { hostKeyAlgorithms, hostKeyLine, hostKeyMismatch, parseHostKey, sshEndpoint } from "../lib/hostKeys";

/** Where and how to connect; the same shape as @pulumi/command's connection. */
export interface SshTarget {
    readonly host: string;
    readonly port?: number;
    readonly user?: string;
    readonly privateKey?: string;
    /** The host key it must present (`<type> <base64>`); without one, any key is accepted (as @pulumi/command does). */
    readonly hostKey?: string;
    readonly proxy?: { readonly host: string; readonly port?: number; readonly user?: string; readonly privateKey?: string; readonly hostKey?: string };
    /** Connection attempts before giving up. Default 10. */
    readonly dialErrorLimit?: number;
    /** Seconds per attempt. Default 10. */
    readonly perDialTimeout?: number;
    /** How the login user runs the scripts as root (`sudo`); without it they run as the login user (root). */
    readonly become?: Become;
}

/**
 * True when `news` reaches its host otherwise than `olds` did (address, port, user, how it
 * becomes root, the host key it requires, the bastion): the recorded connection must then be updated, or a later delete or
 * refresh would use the old one. Pure.
 */
export function reachChanged(olds: Partial<SshTarget> | undefined, news: SshTarget): boolean {
    const reach = (t: Partial<SshTarget> | undefined) =>
        JSON.stringify([
            t?.host,
            t?.port ?? 22,
            t?.user ?? "root",
            t?.become ?? "",
            t?.hostKey ?? "",
            t?.proxy?.host ?? "",
            t?.proxy?.port ?? 22,
            t?.proxy?.user ?? "",
            t?.proxy?.hostKey ?? "",
        ]);
    return reach(olds) !== reach(news);
}

/** Which host a dynamic resource acts on, as the program passes it. */
export interface OnHostInputs {
    /** Host key, for messages. */
    readonly host: import("@pulumi/pulumi").Input<string>;
    /** Carries the SSH key: every resource lists it in its additionalSecretOutputs. */
    readonly connection: import("@pulumi/pulumi").Input<SshTarget>;
}

/** The same, resolved, as a provider receives it. */
export interface OnHost {
    readonly host: string;
    readonly connection: SshTarget;
}

/** A path on a host and the text ha-kubernetes keeps there (the text travels over SSH stdin only). */
export interface OnPathInputs extends OnHostInputs {
    /** Absolute path on the host. */
    readonly path: import("@pulumi/pulumi").Input<string>;
    readonly content: import("@pulumi/pulumi").Input<string>;
}

/** What a provider records of such a path: never the text, its sha256 as found on the host. */
export interface OnPath extends OnHost {
    readonly path: string;
    /** sha256 of what was found on the host ("" when absent). */
    readonly sha256: string;
    readonly exists: boolean;
}

export interface ExecResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

type Conn = InstanceType<typeof import("ssh2").Client>;

/** One endpoint as a handshake needs it. */
interface Endpoint {
    readonly host: string;
    readonly port?: number;
    readonly user?: string;
    readonly privateKey?: string;
    readonly hostKey?: string;
    /** Without a hostKey: the key type to ask the server for. */
    readonly keyType?: string;
}

/** A refused host key: not worth retrying. */
class HostKeyError extends Error {}

/**
 * Connects to one endpoint (over `sock`, a tunnel through the proxy, if given). With a `hostKey`
 * the server must present exactly that key, else the handshake stops before authentication;
 * `scan` instead captures the key the server presents and stops there (nothing is sent).
 */
async function connectOnce(cfg: Endpoint, timeoutSec: number, sock?: NodeJS.ReadableStream, scan?: (key: Buffer) => void): Promise<Conn> {
    const { Client } = await import("ssh2");
    const endpoint = sshEndpoint(cfg.host, cfg.port ?? 22);
    const expected = cfg.hostKey === undefined ? undefined : parseHostKey(cfg.hostKey);
    if (typeof expected === "string") throw new HostKeyError(`the host key given for ${endpoint} ${expected}`);
    let refused: Buffer | undefined;
    let scanned = false;
    return new Promise((resolve, reject) => {
        const c = new Client();
        c.on("ready", () => resolve(c))
            .on("error", (e) => {
                if (refused) reject(new HostKeyError(hostKeyMismatch(cfg.host, endpoint, cfg.hostKey!, refused)));
                else reject(scanned ? new HostKeyError("scanned") : e);
            })
            .connect({
                host: cfg.host,
                port: cfg.port ?? 22,
                username: cfg.user ?? "root",
                privateKey: cfg.privateKey,
                readyTimeout: timeoutSec * 1000,
                sock: sock as never,
                algorithms: expected || cfg.keyType ? { serverHostKey: hostKeyAlgorithms(expected ? expected.type : cfg.keyType!) as never } : undefined,
                hostVerifier: (key: Buffer) => {
                    if (scan) {
                        scan(key);
                        scanned = true;
                        return false;
                    }
                    if (!expected || expected.blob.equals(key)) return true;
                    refused = key;
                    return false;
                },
            });
    });
}

/** An SSH session to the target (through its proxy, if any), retried as `dialErrorLimit` says; a refused host key is not retried. */
async function sshConnect(target: SshTarget & { readonly keyType?: string }, scan?: (key: Buffer) => void): Promise<{ conn: Conn; jump?: Conn }> {
    const attempts = Math.max(1, target.dialErrorLimit ?? 10);
    const timeout = target.perDialTimeout ?? 10;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
        let jump: Conn | undefined;
        try {
            if (target.proxy) {
                jump = await connectOnce({ ...target.proxy, user: target.proxy.user ?? target.user, privateKey: target.proxy.privateKey ?? target.privateKey }, timeout);
                const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
                    jump!.forwardOut("127.0.0.1", 0, target.host, target.port ?? 22, (e, s) => (e ? rej(e) : res(s))),
                );
                return { conn: await connectOnce(target, timeout, stream, scan), jump };
            }
            return { conn: await connectOnce(target, timeout, undefined, scan) };
        } catch (e) {
            jump?.end();
            if (e instanceof HostKeyError) throw e;
            last = e;
            await new Promise((r) => setTimeout(r, Math.min(5000, 500 * (i + 1))));
        }
    }
    throw new Error(`cannot reach ${target.user ?? "root"}@${target.host}:${target.port ?? 22} over SSH: ${(last as Error)?.message ?? last}`);
}

/**
 * The host key the target presents (`<type> <base64>`), read in the key exchange: the handshake
 * stops before authentication, so nothing is sent to the host. A proxy is reached with its own
 * `hostKey` checked. `preferred`: the type to ask for (the one on record), if any.
 */
export async function sshHostKey(target: SshTarget, preferred?: string): Promise<string> {
    let key: Buffer | undefined;
    try {
        const { conn, jump } = await sshConnect({ ...target, hostKey: undefined, keyType: preferred }, (k) => (key = k));
        conn.end();
        jump?.end();
    } catch (e) {
        if (!key) throw e;
    }
    if (!key) throw new Error(`${target.host}:${target.port ?? 22} presented no host key`);
    return hostKeyLine(key);
}

/** Runs `script` with `sh -c` on the target as root (through its `become`, if any), feeding `stdin`; resolves with its exit code and output. */
export async function sshExec(target: SshTarget, script: string, stdin?: string, timeoutMs = 300_000): Promise<ExecResult> {
    const { conn, jump } = await sshConnect(target);
    try {
        return await new Promise<ExecResult>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`command on ${target.host} timed out after ${timeoutMs / 1000}s`)), timeoutMs);
            conn.exec(`sh -c ${shellQuote(asRoot(script, target.become))}`, (err, stream) => {
                if (err) {
                    clearTimeout(timer);
                    reject(err);
                    return;
                }
                let stdout = "";
                let stderr = "";
                stream.on("data", (d: Buffer) => {
                    stdout += d.toString("utf8");
                });
                stream.stderr.on("data", (d: Buffer) => {
                    stderr += d.toString("utf8");
                });
                stream.on("close", (code: number | null) => {
                    clearTimeout(timer);
                    resolve({ code: code ?? -1, stdout, stderr });
                });
                stream.end(stdin ?? "");
            });
        });
    } finally {
        conn.end();
        jump?.end();
    }
}

/** Like sshExec, but fails with the host, what was attempted and stderr when the script fails. */
export async function sshRun(target: SshTarget, what: string, script: string, stdin?: string): Promise<string> {
    const r = await sshExec(target, script, stdin);
    if (r.code !== 0) throw new Error(`${what} on ${target.host} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
}

/** Copies `remotePath` into the local file `part` (mode 0600) over SFTP, as the login user. */
function sftpGet(conn: Conn, remotePath: string, part: string): Promise<void> {
    return new Promise<void>((resolve, reject) =>
        conn.sftp((err, sftp) => {
            if (err) return reject(err);
            sftp.fastGet(remotePath, part, { mode: 0o600 } as never, (e) => {
                sftp.end();
                if (e) reject(e);
                else resolve();
            });
        }),
    );
}

/** Copies `remotePath` into the local file `part` (mode 0600) as root: `cat` through `become`, its stdout streamed. */
async function catAsRoot(conn: Conn, remotePath: string, part: string, become: Become): Promise<void> {
    const fs = await import("fs");
    return new Promise<void>((resolve, reject) =>
        conn.exec(asRoot(`cat -- ${shellQuote(remotePath)}`, become), (err, stream) => {
            if (err) return reject(err);
            const out = fs.createWriteStream(part, { mode: 0o600 }).on("error", reject);
            let stderr = "";
            stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
            stream.on("data", (d: Buffer) => {
                if (out.write(d)) return;
                stream.pause?.();
                out.once("drain", () => stream.resume?.());
            });
            stream.on("close", (code: number | null) => out.end(() => (code === 0 ? resolve() : reject(new Error(`cat exited ${code}: ${stderr.trim()}`)))));
            stream.end();
        }),
    );
}

/**
 * Copies a remote file to `localPath` (binary-safe, any size): over SFTP as the login user, or,
 * when the target becomes root (a root-owned file a sudo user cannot read), through `cat` as root;
 * into `localPath.part` with mode 0600, renamed when complete.
 */
export async function sshDownload(target: SshTarget, remotePath: string, localPath: string, timeoutMs = 1_800_000): Promise<void> {
    const fs = await import("fs");
    const { conn, jump } = await sshConnect(target);
    const part = `${localPath}.part`;
    let timer: NodeJS.Timeout | undefined;
    try {
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`copying ${remotePath} from ${target.host} timed out after ${timeoutMs / 1000}s`)), timeoutMs);
        });
        await Promise.race([target.become ? catAsRoot(conn, remotePath, part, target.become) : sftpGet(conn, remotePath, part), timeout]);
        fs.chmodSync(part, 0o600);
        fs.renameSync(part, localPath);
    } catch (e) {
        fs.rmSync(part, { force: true });
        throw new Error(`copying ${remotePath} from ${target.host} to ${localPath} failed: ${(e as Error).message}`, { cause: e });
    } finally {
        clearTimeout(timer);
        conn.end();
        jump?.end();
    }
}
