import { spawn } from "child_process";
import { EventEmitter } from "events";

/**
 * A stand-in for ssh2's Client that runs every command on this machine with /bin/sh, so the
 * providers' real scripts are exercised without a network. Records what it was asked to run.
 */
export const executed: Array<{ host: string; command: string; stdin: string }> = [];
export const unreachable = new Set<string>();

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
        child.stdin.on("error", (e: NodeJS.ErrnoException) => { if (e.code !== "EPIPE") stream.emit("error", e); });
        const stream = Object.assign(new EventEmitter(), {
            stderr: new EventEmitter(),
            end: (s: string) => { executed.push({ host: this.host, command, stdin: s }); child.stdin.end(s); },
        });
        child.stdout.on("data", (d) => stream.emit("data", d));
        child.stderr.on("data", (d) => stream.stderr.emit("data", d));
        child.on("close", (code) => stream.emit("close", code));
        cb(undefined, stream);
    }
    forwardOut(): void { throw new Error("no bastion in tests"); }
    end(): void { /* nothing to close */ }
}
