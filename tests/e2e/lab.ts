import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { shellQuote } from "../../lib/shell";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
export const CACHE = process.env.HA_K8S_CACHE ?? "/var/cache/ha-kubernetes";

export interface LabHost {
    readonly name: string;
    readonly address: string;
    readonly roles: string[];
    readonly pid?: number;
}

/** What `tests/lab/lab.sh up` writes to `${CACHE}/lab/inventory.json`. */
export interface Inventory {
    readonly bridge: string;
    readonly gateway: string;
    readonly subnet: string;
    /** The harness's own login (root). */
    readonly sshUser: string;
    /** A login user with the same key and passwordless sudo, for stacks with ssh.become: sudo. */
    readonly sudoUser: string;
    /** A login user with the same key and no sudo. */
    readonly plainUser: string;
    readonly sshPrivateKeyPath: string;
    /** The lab's Debian package mirror on the bridge (`http://<gateway>:3142/debian`): the hosts' only package source. */
    readonly packageMirror: string;
    /** The armored public key its InRelease is signed with. */
    readonly packageMirrorKey: string;
    readonly hosts: LabHost[];
}

export interface LabShape {
    readonly masters?: number;
    readonly workers?: number;
    readonly etcd?: number;
    readonly lb?: number;
    /** The hosts' Debian release (tests/lab/lab.sh --release). Default bookworm (Debian 12). */
    readonly release?: "bookworm" | "trixie";
}

function sh(cmd: string, args: string[], timeoutMs = 600_000): string {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "inherit"] });
}

/** Boots lab hosts of this shape (idempotent) and returns the inventory. */
export function labUp(shape: LabShape): Inventory {
    const args = ["tests/lab/lab.sh", "up"];
    for (const [k, v] of Object.entries(shape)) if (v !== undefined) args.push(`--${k}`, String(v));
    process.stderr.write(sh("bash", args));
    return readInventory();
}

export function labDown(): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "down"]));
}

/** Cuts lab hosts' power at once, as a crash or an outage would: their processes killed, nothing shut down, disks kept. */
export function labStop(...names: string[]): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "cut", ...names]));
}

/** Shuts one lab host down in order (its services stopped by systemd, as `poweroff` would), its disk kept. */
export function labShutdown(name: string): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "stop", name]));
}

/** Cuts a running lab host off the network: its link stays up, its traffic reaches nothing (a partition). */
export function labIsolate(name: string): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "isolate", name]));
}

/** Ends labIsolate: the host's link joins the bridge again. */
export function labRejoin(name: string): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "rejoin", name]));
}

/** Boots stopped lab hosts again, all at once, and waits for their SSH. */
export function labStart(...names: string[]): void {
    process.stderr.write(sh("bash", ["tests/lab/lab.sh", "start", ...names]));
}

export function readInventory(): Inventory {
    return JSON.parse(fs.readFileSync(path.join(CACHE, "lab", "inventory.json"), "utf8"));
}

/** The lab's bridge (tests/lab/lab.sh). */
export const LAB_BRIDGE = "hak8s0";

/**
 * Refuses to send anything to a lab address unless the lab's bridge exists: without it the lab
 * subnet would be routed to this machine's default gateway, and test traffic must never leave it.
 */
export function assertLabNetwork(): void {
    if (!fs.existsSync(`/sys/class/net/${LAB_BRIDGE}`)) throw new Error(`lab bridge ${LAB_BRIDGE} is absent: not sending test traffic (run tests/lab/lab.sh up)`);
}

/** ssh/scp options for the lab's throwaway hosts (their keys change with every boot of a new disk). */
export function sshOptions(inv: Inventory): string[] {
    return ["-i", inv.sshPrivateKeyPath, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];
}

/** Runs a shell command on a lab host over SSH; returns stdout, stderr and the exit code. */
export function ssh(inv: Inventory, host: string, command: string, input?: string, timeoutMs = 120_000): { code: number; out: string; err: string } {
    const h = inv.hosts.find((x) => x.name === host || x.address === host);
    if (!h) throw new Error(`no lab host ${host}`);
    assertLabNetwork();
    const r = spawnSync("ssh", [...sshOptions(inv), "-o", "ConnectTimeout=5", `${inv.sshUser}@${h.address}`, command], { input, encoding: "utf8", timeout: timeoutMs });
    return { code: r.status ?? -1, out: r.stdout ?? "", err: r.stderr ?? "" };
}

/** Copies a file from one lab host to another through this machine (ssh to ssh, any size). */
export function copyBetween(inv: Inventory, from: string, to: string, file: string): void {
    const at = (n: string) => {
        const h = inv.hosts.find((x) => x.name === n);
        if (!h) throw new Error(`no lab host ${n}`);
        return `${inv.sshUser}@${h.address}`;
    };
    assertLabNetwork();
    const opts = [...sshOptions(inv), "-o", "ConnectTimeout=5"].map(shellQuote).join(" ");
    const r = spawnSync("bash", ["-c", `set -o pipefail; ssh ${opts} ${at(from)} "cat '${file}'" | ssh ${opts} ${at(to)} "cat > '${file}.part' && mv '${file}.part' '${file}'"`], {
        encoding: "utf8",
        timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`copying ${file} from ${from} to ${to} failed: ${r.stderr}`);
}

/**
 * Installs Debian packages on a lab host as its administrator would, from the lab's mirror (the
 * host's own sources are unreachable): for what runs beside the product, such as a user's own
 * load balancer or registry. The mirror's key goes in /etc/apt/keyrings, its source in sources.list.d.
 */
export function labAptInstall(inv: Inventory, host: string, packages: string[]): void {
    const list = "/etc/apt/sources.list.d/lab-mirror.list";
    const apt = `apt-get -o Dir::Etc::SourceList=${list} -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0`;
    sshOk(
        inv,
        host,
        [
            "set -e",
            "install -d /etc/apt/keyrings && cat > /etc/apt/keyrings/lab-mirror.asc",
            `. /etc/os-release && echo "deb [signed-by=/etc/apt/keyrings/lab-mirror.asc] ${inv.packageMirror} $VERSION_CODENAME main" > ${list}`,
            `${apt} update -qq && DEBIAN_FRONTEND=noninteractive ${apt} install -y -qq --no-install-recommends ${packages.join(" ")} >/dev/null`,
        ].join("\n"),
        fs.readFileSync(inv.packageMirrorKey, "utf8"),
    );
}

/** `<client address> <status> <path>` of each request the lab's package mirror answered since this lab came up. */
export function mirrorRequests(): string[] {
    const log = path.join(CACHE, "lab", "logs", "mirror.log");
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
}

/** The Debian packages installed on a lab host (dpkg's `ii` entries), sorted. */
export function installedPackages(inv: Inventory, host: string): string[] {
    return sshOk(inv, host, `dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' | awk '$1 == "ii" { print $2 }' | sort -u`).split("\n").filter(Boolean);
}

/** Like `ssh` but throws with the output when the command fails. */
export function sshOk(inv: Inventory, host: string, command: string, input?: string): string {
    const r = ssh(inv, host, command, input);
    if (r.code !== 0) throw new Error(`on ${host}: ${command}\nexit ${r.code}\n${r.out}\n${r.err}`);
    return r.out;
}

/** Polls `fn` until it returns true or `timeoutMs` passes; throws with the last error. */
export async function eventually(what: string, fn: () => boolean, timeoutMs = 120_000, everyMs = 2_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
        try {
            if (fn()) return;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
