import { spawn } from "child_process";
import { EventEmitter } from "events";
import * as fs from "fs";

/**
 * A stand-in for ssh2's Client that runs every command on this machine with /bin/sh, so the
 * providers' real scripts are exercised without a network. Records what it was asked to run.
 */
export const executed: Array<{ host: string; command: string; stdin: string }> = [];
export const unreachable = new Set<string>();
/** When set, SFTP downloads arrive altered (to test the checksum). */
export const corruptDownloads = { value: false };

export class LocalClient extends EventEmitter {
    private host = "";
    connect(cfg: { host: string }): this {
        this.host = cfg.host;
        setImmediate(() => (unreachable.has(cfg.host) ? this.emit("error", new Error("connect ECONNREFUSED")) : this.emit("ready")));
        return this;
    }
    exec(command: string, cb: (err: Error | undefined, stream: EventEmitter & { stderr: EventEmitter; end: (s: string) => void }) => void): void {
        // the test's environment (jest's own process.env: a fake sudo on its PATH reaches the command)
        const child = spawn("/bin/sh", ["-c", command], { env: process.env });
        // a script that exits without reading its stdin closes the pipe: as over SSH, not an error
        child.stdin.on("error", (e: NodeJS.ErrnoException) => {
            if (e.code !== "EPIPE") stream.emit("error", e);
        });
        const stream = Object.assign(new EventEmitter(), {
            stderr: new EventEmitter(),
            end: (s: string) => {
                executed.push({ host: this.host, command, stdin: s });
                child.stdin.end(s);
            },
        });
        child.stdout.on("data", (d) => stream.emit("data", d));
        child.stderr.on("data", (d) => stream.stderr.emit("data", d));
        child.on("close", (code) => stream.emit("close", code));
        cb(undefined, stream);
    }
    /** SFTP on this machine: fastGet copies the file (with `corruptDownloads`, a wrong copy). */
    sftp(cb: (err: Error | undefined, sftp: { fastGet: (remote: string, local: string, opts: unknown, done: (e?: Error) => void) => void; end: () => void }) => void): void {
        cb(undefined, {
            fastGet: (remote, local, _opts, done) => {
                executed.push({ host: this.host, command: `sftp get ${remote}`, stdin: "" });
                fs.promises
                    .copyFile(remote, local)
                    .then(() => (corruptDownloads.value ? fs.promises.appendFile(local, "x") : undefined))
                    .then(() => done(), done);
            },
            end: () => undefined,
        });
    }
    forwardOut(): void {
        throw new Error("no bastion in tests");
    }
    end(): void {
        /* nothing to close */
    }
}

/**
 * A stand-in `sudo` first on PATH while `fn` runs: it takes `-n [--]`, logs its command line's first line
 * to `log`, and runs the command (as this user, with SUDO_USER set) — or, with `refuse`, fails as
 * sudo does when it would need a password.
 */
export async function withFakeSudo<T>(fn: (log: () => string[]) => Promise<T>, refuse = false): Promise<T> {
    const os = await import("os");
    const path = await import("path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-sudo-"));
    const logFile = path.join(dir, "log");
    fs.writeFileSync(
        path.join(dir, "sudo"),
        [
            "#!/bin/sh",
            `printf '%s\\n' "$*" | head -n 1 >> '${logFile}'`,
            '[ "$1" = -n ] || { echo "fake sudo: want -n" >&2; exit 2; }',
            'shift; [ "$1" = -- ] && shift',
            refuse ? 'echo "sudo: a password is required" >&2; exit 1' : 'SUDO_USER=tester exec "$@"',
        ].join("\n") + "\n",
        { mode: 0o755 },
    );
    const had = process.env.PATH;
    process.env.PATH = `${dir}:${had}`;
    try {
        return await fn(() => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n") : []));
    } finally {
        process.env.PATH = had;
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
