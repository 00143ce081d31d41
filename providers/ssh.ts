/**
 * Running a shell script on a host over SSH (the `ssh2` library), for dynamic providers.
 * Everything here is plain data in, plain data out, so providers can capture it.
 */

/** Where and how to connect; the same shape as @pulumi/command's connection. */
export interface SshTarget {
    readonly host: string;
    readonly port?: number;
    readonly user?: string;
    readonly privateKey?: string;
    readonly proxy?: { readonly host: string; readonly port?: number; readonly user?: string; readonly privateKey?: string };
    /** Connection attempts before giving up. Default 10. */
    readonly dialErrorLimit?: number;
    /** Seconds per attempt. Default 10. */
    readonly perDialTimeout?: number;
}

/** Which host a dynamic resource acts on, as the program passes it. */
export interface OnHostInputs {
    /** Host key, for messages. */
    readonly host: import("@pulumi/pulumi").Input<string>;
    readonly connection: import("@pulumi/pulumi").Input<SshTarget>;
}

/** The same, resolved, as a provider receives it. */
export interface OnHost {
    readonly host: string;
    readonly connection: SshTarget;
}

export interface ExecResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs `script` with `sh -c` on the target, feeding `stdin`; resolves with its exit code and output. */
export async function sshExec(target: SshTarget, script: string, stdin?: string, timeoutMs = 300_000): Promise<ExecResult> {
    const { Client } = await import("ssh2");
    type Conn = InstanceType<typeof Client>;
    const attempts = Math.max(1, target.dialErrorLimit ?? 10);
    const connectOnce = (cfg: { host: string; port?: number; user?: string; privateKey?: string }, sock?: NodeJS.ReadableStream): Promise<Conn> =>
        new Promise((resolve, reject) => {
            const c = new Client();
            c.on("ready", () => resolve(c)).on("error", reject).connect({
                host: cfg.host, port: cfg.port ?? 22, username: cfg.user ?? "root", privateKey: cfg.privateKey,
                readyTimeout: (target.perDialTimeout ?? 10) * 1000, sock: sock as never,
            });
        });
    const connect = async (): Promise<{ conn: Conn; jump?: Conn }> => {
        let last: unknown;
        for (let i = 0; i < attempts; i++) {
            let jump: Conn | undefined;
            try {
                if (target.proxy) {
                    jump = await connectOnce({ ...target.proxy, user: target.proxy.user ?? target.user, privateKey: target.proxy.privateKey ?? target.privateKey });
                    const stream = await new Promise<NodeJS.ReadableStream>((res, rej) => jump!.forwardOut("127.0.0.1", 0, target.host, target.port ?? 22, (e, s) => (e ? rej(e) : res(s))));
                    return { conn: await connectOnce(target, stream), jump };
                }
                return { conn: await connectOnce(target) };
            } catch (e) {
                last = e;
                jump?.end();
                await new Promise((r) => setTimeout(r, Math.min(5000, 500 * (i + 1))));
            }
        }
        throw new Error(`cannot reach ${target.user ?? "root"}@${target.host}:${target.port ?? 22} over SSH: ${(last as Error)?.message ?? last}`);
    };
    const { conn, jump } = await connect();
    try {
        return await new Promise<ExecResult>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`command on ${target.host} timed out after ${timeoutMs / 1000}s`)), timeoutMs);
            conn.exec(`sh -c ${"'" + script.replace(/'/g, `'\\''`) + "'"}`, (err, stream) => {
                if (err) { clearTimeout(timer); reject(err); return; }
                let stdout = "";
                let stderr = "";
                stream.on("data", (d: Buffer) => { stdout += d.toString("utf8"); });
                stream.stderr.on("data", (d: Buffer) => { stderr += d.toString("utf8"); });
                stream.on("close", (code: number | null) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
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
