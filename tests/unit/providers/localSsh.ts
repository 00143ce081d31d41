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
        const child = spawn("/bin/sh", ["-c", command]);
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
