// What a host must offer before ha-kubernetes touches it, and the pure judgement of what the host
// reported. Imports only the shell helpers (no imports of their own), so the preflight provider can capture it.
import { asRoot, Become } from "./shell";

/** A TCP port a role listens on, and the processes (as `ss` names them) that may hold it already: ours, on a re-run. */
export interface PortNeed {
    readonly port: number;
    /** What needs it, for the message: `etcd client`, `kube-apiserver`, … */
    readonly what: string;
    /** Process names allowed to hold it (ha-kubernetes' own service on a running host). */
    readonly owners: readonly string[];
}

/** What one host needs, from its roles (components/preflightPlan.ts decides it). */
export interface HostRequirements {
    /** `<ID> <VERSION_ID>` of /etc/os-release, e.g. `debian 12`. */
    readonly supportedOs: readonly string[];
    readonly ports: readonly PortNeed[];
    /** Kernel modules the host loads at boot (loaded already or loadable). */
    readonly modules: readonly string[];
    /** The kubelet runs here: swap must be off unless allowed. */
    readonly kubelet: boolean;
    readonly allowSwap: boolean;
    /** The kubelet refuses cgroup v1 (its default `failCgroupV1: true`). */
    readonly requireCgroupV2: boolean;
    readonly minMemoryMiB: number;
    /** Free space under /var/lib (etcd data, images, kubelet). */
    readonly minVarLibFreeMiB: number;
}

/**
 * Shell run on each host: only reads, prints `key=value` lines. The clock comes first (nearest to
 * the moment the command started); then architecture, kernel, uid, init, OS release, active swap
 * areas, the cgroup filesystem, memory, free space under /var/lib, the kernel modules of
 * PREFLIGHT_MODULES that are loaded, loadable or whose function the kernel offers (overlay in
 * /proc/filesystems, br_netfilter's bridge-nf-call-iptables), and every listening TCP socket with
 * its process.
 * POSIX sh; static.
 */
export const PREFLIGHT_MODULES = ["overlay", "br_netfilter"] as const;
export const PREFLIGHT_SCRIPT = [
    `echo "clockNs=$(date +%s%N)"`,
    `echo "arch=$(uname -m)"`,
    `echo "kernel=$(uname -r)"`,
    `echo "uid=$(id -u)"`,
    `if test -d /run/systemd/system; then echo init=systemd; else echo init=none; fi`,
    "# shellcheck source=/dev/null",
    `(. /etc/os-release 2>/dev/null; echo "os=\${ID:-unknown} \${VERSION_ID:-unknown}")`,
    `echo "swapAreas=$(tail -n +2 /proc/swaps 2>/dev/null | wc -l)"`,
    `echo "cgroupFs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)"`,
    `echo "memKiB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"`,
    `echo "varLibFreeKiB=$(df -Pk /var/lib 2>/dev/null | awk 'NR == 2 { print $4 }')"`,
    // a module counts when loaded, loadable, or when what it provides is there (a container sees
    // neither the host's /sys/module entries nor its /lib/modules)
    `for m in ${PREFLIGHT_MODULES.join(" ")}; do`,
    `    if test -d "/sys/module/$m" || modprobe -n -q "$m" 2>/dev/null; then echo "module=$m"`,
    `    elif [ "$m" = overlay ] && grep -qw overlay /proc/filesystems 2>/dev/null; then echo "module=$m"`,
    `    elif [ "$m" = br_netfilter ] && test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then echo "module=$m"; fi`,
    `done`,
    `if command -v ss >/dev/null 2>&1; then ss -Hltnp | awk '{ print "listen=" $4 " " $6 }'; else echo listen=unknown; fi`,
].join("\n");

/**
 * PREFLIGHT_SCRIPT as a host runs it: as is when the login user is root; with `become`, as root
 * through it when passwordless sudo works, else only who the user is and `sudo=refused` (or
 * `sudo=missing`). Runs as the login user; static.
 */
export function preflightScript(become: Become | undefined): string {
    if (!become) return PREFLIGHT_SCRIPT;
    return [
        `echo "user=$(id -un)"`,
        "if ! command -v sudo >/dev/null 2>&1; then echo sudo=missing",
        `elif sudo -n true 2>/dev/null; then exec ${asRoot(PREFLIGHT_SCRIPT, become)}`,
        "else echo sudo=refused; fi",
    ].join("\n");
}

/** What a host reported, parsed. */
export interface HostReport {
    readonly clockNs?: bigint;
    readonly arch: string;
    readonly kernel: string;
    readonly uid: string;
    /** The login user, when the host said (with `become`). */
    readonly user: string;
    /** With `become: sudo`: `refused` (sudo -n true failed), `missing` (no sudo), else "". */
    readonly sudo: string;
    readonly init: string;
    readonly os: string;
    readonly swapAreas: number;
    readonly cgroupFs: string;
    readonly memKiB: number;
    readonly varLibFreeKiB: number;
    readonly modules: readonly string[];
    /** Listening ports and the process names holding them; undefined when `ss` is missing. */
    readonly listening?: ReadonlyMap<number, readonly string[]>;
}

/** Parses PREFLIGHT_SCRIPT's output. Pure. */
export function parseReport(out: string): HostReport {
    const one = new Map<string, string>();
    const modules: string[] = [];
    let listening: Map<number, string[]> | undefined = new Map();
    for (const line of out.split("\n")) {
        const eq = line.indexOf("=");
        if (eq < 0) continue;
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1).trim();
        if (key === "module") modules.push(value);
        else if (key === "listen") {
            if (value === "unknown") listening = undefined;
            else if (listening) {
                const [local, users = ""] = value.split(" ");
                const port = Number(local.slice(local.lastIndexOf(":") + 1));
                const names = [...users.matchAll(/\("([^"]+)"/g)].map((m) => m[1]);
                if (Number.isInteger(port)) listening.set(port, [...new Set([...(listening.get(port) ?? []), ...(names.length ? names : ["an unknown process"])])]);
            }
        } else one.set(key, value);
    }
    const num = (k: string) => (one.get(k) && /^\d+$/.test(one.get(k)!) ? Number(one.get(k)) : NaN);
    const clock = one.get("clockNs");
    return {
        clockNs: clock && /^\d+$/.test(clock) ? BigInt(clock) : undefined,
        arch: one.get("arch") ?? "",
        kernel: one.get("kernel") ?? "",
        uid: one.get("uid") ?? "",
        user: one.get("user") ?? "",
        sudo: one.get("sudo") ?? "",
        init: one.get("init") ?? "",
        os: one.get("os") ?? "",
        swapAreas: num("swapAreas"),
        cgroupFs: one.get("cgroupFs") ?? "",
        memKiB: num("memKiB"),
        varLibFreeKiB: num("varLibFreeKiB"),
        modules,
        listening,
    };
}

const mib = (kib: number) => Math.floor(kib / 1024);

/** Every problem of one host's report against its requirements (none when `req` is undefined but the basics). Pure. */
export function reportProblems(r: HostReport, req: HostRequirements | undefined): string[] {
    // nothing else was checked: the report is only who the user is
    if (r.sudo === "refused") return [`user ${r.user || "?"} cannot run sudo without a password (sudo -n true failed): give it NOPASSWD in /etc/sudoers.d`];
    if (r.sudo === "missing") return [`user ${r.user || "?"} cannot run sudo: sudo is not installed (ssh.become: sudo needs it)`];
    const problems: string[] = [];
    if (!["x86_64", "aarch64"].includes(r.arch)) problems.push(`unsupported architecture ${JSON.stringify(r.arch)}`);
    if (r.uid !== "0")
        problems.push(
            `logged in as ${r.user ? `user ${r.user} (uid ${r.uid || "?"})` : `uid ${r.uid || "?"}`}, not root: log in as root, or set ssh.become: sudo for a user with passwordless sudo`,
        );
    if (r.init !== "systemd") problems.push("systemd is not running");
    if (!req) return problems;
    if (!req.supportedOs.includes(r.os)) problems.push(`${r.os || "an unknown OS"} is not a supported release (${req.supportedOs.join(", ")})`);
    if (req.kubelet && !req.allowSwap && r.swapAreas !== 0)
        problems.push(
            `swap is on (${Number.isNaN(r.swapAreas) ? "unknown" : r.swapAreas} area(s) in /proc/swaps): turn it off (swapoff -a, and remove it from /etc/fstab) or set preflight.allowSwap`,
        );
    if (req.requireCgroupV2 && r.cgroupFs !== "cgroup2fs")
        problems.push(`/sys/fs/cgroup is ${r.cgroupFs || "missing"}, not cgroup v2 (the kubelet needs the unified hierarchy unless its failCgroupV1 is false)`);
    if (!(r.memKiB >= req.minMemoryMiB * 1024)) problems.push(`${Number.isNaN(r.memKiB) ? "unknown" : mib(r.memKiB)} MiB of memory, below the floor of ${req.minMemoryMiB} MiB`);
    if (!(r.varLibFreeKiB >= req.minVarLibFreeMiB * 1024))
        problems.push(`${Number.isNaN(r.varLibFreeKiB) ? "unknown" : mib(r.varLibFreeKiB)} MiB free under /var/lib, below the floor of ${req.minVarLibFreeMiB} MiB`);
    const missing = req.modules.filter((m) => !r.modules.includes(m));
    if (missing.length) problems.push(`kernel module(s) ${missing.join(", ")} neither loaded nor loadable`);
    if (!r.listening) problems.push("cannot list listening ports: `ss` (iproute2) is missing");
    else
        for (const p of req.ports) {
            const holders = (r.listening.get(p.port) ?? []).filter((n) => !p.owners.some((o) => o.slice(0, 15) === n));
            if (holders.length) problems.push(`port ${p.port} (${p.what}) is in use by ${holders.join(", ")}`);
        }
    return problems;
}

/** When a host's clock was read, as the machine running Pulumi saw it: between `sentNs` and `receivedNs` of its clock. */
export interface ClockReading {
    readonly name: string;
    readonly hostNs: bigint;
    readonly sentNs: bigint;
    readonly receivedNs: bigint;
}

/**
 * Clocks out of step: each host's offset from the machine running Pulumi is known to lie in
 * [hostNs - receivedNs, hostNs - sentNs]; a host is out of step when its interval is more than
 * `maxSkewMs` away from the interval of the median host (so a slow connection never counts as
 * skew, and the machine's own clock does not matter). Returns problems by host name. Pure.
 */
export function clockProblems(readings: readonly ClockReading[], maxSkewMs: number): Map<string, string> {
    const out = new Map<string, string>();
    if (readings.length < 2) return out;
    const iv = readings.map((r) => ({ name: r.name, lo: r.hostNs - r.receivedNs, hi: r.hostNs - r.sentNs }));
    const sorted = [...iv].sort((a, b) => (a.lo + a.hi < b.lo + b.hi ? -1 : a.lo + a.hi > b.lo + b.hi ? 1 : 0));
    const ref = sorted[Math.floor((sorted.length - 1) / 2)];
    const limit = BigInt(Math.round(maxSkewMs * 1e6));
    for (const h of iv) {
        const gap = h.lo > ref.hi ? h.lo - ref.hi : ref.lo > h.hi ? ref.lo - h.hi : 0n;
        if (gap > limit) {
            const ahead = h.lo > ref.hi;
            out.set(
                h.name,
                `clock ${ahead ? "ahead of" : "behind"} ${ref.name}'s by at least ${(Number(gap) / 1e9).toFixed(1)} s (at most ${maxSkewMs / 1000} s allowed): sync it (systemd-timesyncd, chrony)`,
            );
        }
    }
    return out;
}
