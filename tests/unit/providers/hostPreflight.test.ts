import * as fs from "fs";
import { executed, LocalClient, unreachable } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { agentSocketProblem, hostList, hostPreflightProvider as p, judgeHost, PREFLIGHT_ATTEMPTS, PREFLIGHT_SCRIPT, PreflightHost } from "../../../providers/hostPreflight";
import { ClockReading, clockProblems, HostRequirements, parseReport, reportProblems } from "../../../lib/preflightChecks";
import { spawnSync } from "child_process";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as ssh from "../../../providers/ssh";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const host = (name: string, address: string): PreflightHost => ({ name, connection: { host: address, user: "root", privateKey: KEY, dialErrorLimit: 1 } });
const HAS_SYSTEMD = fs.existsSync("/run/systemd/system");

/** A host's PREFLIGHT_SCRIPT output: a fit Debian 12 node unless `over` says otherwise. */
function report(over: Record<string, string> = {}, extra: string[] = []): string {
    const base: Record<string, string> = {
        clockNs: "1764000000000000000",
        arch: "x86_64",
        kernel: "6.1.0-28-amd64",
        uid: "0",
        init: "systemd",
        os: "debian 12",
        swapAreas: "0",
        cgroupFs: "cgroup2fs",
        memKiB: String(4 * 1024 * 1024),
        varLibFreeKiB: String(20 * 1024 * 1024),
        ...over,
    };
    return [...Object.entries(base).map(([k, v]) => `${k}=${v}`), ...extra].join("\n") + "\n";
}

describe("HostPreflight provider", () => {
    it("judges a host's facts: root, systemd, a supported architecture", () => {
        const m1 = host("m1", "10.0.0.11");
        expect(judgeHost(m1, report())).toEqual({ name: "m1", address: "10.0.0.11", arch: "x86_64", kernel: "6.1.0-28-amd64", os: "debian 12" });
        expect(judgeHost(m1, report({ arch: "aarch64" }))).toMatchObject({ arch: "aarch64" });
        const NOT_ROOT = "logged in as user root (uid 1000), not root: log in as root, or set ssh.become: sudo for a user with passwordless sudo";
        expect(judgeHost(m1, report({ uid: "1000" }))).toBe(NOT_ROOT);
        expect(judgeHost(m1, report({ init: "none" }))).toBe("systemd is not running");
        expect(judgeHost(m1, report({ arch: "riscv64", uid: "1000", init: "none" }))).toBe(`unsupported architecture "riscv64"; ${NOT_ROOT}; systemd is not running`);
        expect(judgeHost(m1, "")).toMatch(/^unsupported architecture ""/);
    });

    it("re-checks only when a host's name, user, address, port or required host key changes", async () => {
        const a = [host("m1", "10.0.0.11"), host("m2", "10.0.0.12")];
        const same = a.map((h) => ({ ...h, connection: { ...h.connection, privateKey: "other key" } }));
        expect((await p.diff!("preflight", { hosts: a, facts: [] }, { hosts: same })).changes).toBe(false);
        const moved = [a[0], host("m2", "10.0.0.22")];
        expect((await p.diff!("preflight", { hosts: a, facts: [] }, { hosts: moved })).changes).toBe(true);
        expect((await p.diff!("preflight", { hosts: a, facts: [] }, { hosts: [a[0]] })).changes).toBe(true);
        const rekeyed = [a[0], { ...a[1], connection: { ...a[1].connection, hostKey: "ssh-ed25519 AAAA" } }];
        expect((await p.diff!("preflight", { hosts: a, facts: [] }, { hosts: rekeyed })).changes).toBe(true);
        expect(hostList(a)).toBe("m1=root@10.0.0.11:22#,m2=root@10.0.0.12:22#");
    });

    it("checks every host and reports every problem at once, naming host, address and reason", async () => {
        unreachable.add("10.0.0.99");
        const before = executed.length;
        const hosts = [host("local", "127.0.0.1"), host("gone", "10.0.0.99")];
        const err = await p.create({ hosts }).then(
            () => undefined,
            (e: Error) => e.message,
        );
        expect(err).toBeDefined();
        expect(err).toContain("nothing was changed on any host");
        expect(err).toMatch(/gone \(10\.0\.0\.99\): cannot reach root@10\.0\.0\.99:22 over SSH/);
        if (HAS_SYSTEMD) expect(err).not.toContain("local (127.0.0.1)");
        else expect(err).toContain("local (127.0.0.1): systemd is not running");
        // the check itself only reads: one script, no stdin, no key material
        const ran = executed.slice(before);
        expect(ran.map((r) => r.command)).toEqual([`sh -c '${PREFLIGHT_SCRIPT.replace(/'/g, "'\\''")}'`]);
        expect(ran[0].stdin).toBe("");
        expect(JSON.stringify(ran)).not.toContain("SSHKEY");
    });

    it("records each host's facts when every host passes", async () => {
        const spy = jest.spyOn(ssh, "sshExec").mockImplementation(async (t) => ({ code: 0, stdout: report({ kernel: `6.1.0-${t.host}` }), stderr: "" }));
        try {
            const patient = (h: PreflightHost): PreflightHost => ({ ...h, connection: { ...h.connection, dialErrorLimit: 20 } });
            const r = await p.create({ hosts: [patient(host("m1", "10.0.0.11")), patient(host("m2", "10.0.0.12"))] });
            expect(r.id).toBe("preflight");
            expect(r.outs?.facts).toEqual([
                { name: "m1", address: "10.0.0.11", arch: "x86_64", kernel: "6.1.0-10.0.0.11", os: "debian 12" },
                { name: "m2", address: "10.0.0.12", arch: "x86_64", kernel: "6.1.0-10.0.0.12", os: "debian 12" },
            ]);
            // at most PREFLIGHT_ATTEMPTS connection attempts per host, however patient the connection
            expect(spy.mock.calls.map(([t]) => t.dialErrorLimit)).toEqual([PREFLIGHT_ATTEMPTS, PREFLIGHT_ATTEMPTS]);
        } finally {
            spy.mockRestore();
        }
    });

    const node: HostRequirements = {
        supportedOs: ["debian 12", "debian 13"],
        ports: [
            { port: 2379, what: "etcd client", owners: ["etcd"] },
            { port: 10250, what: "kubelet", owners: ["kubelet"] },
            { port: 10257, what: "kube-controller-manager", owners: ["kube-controller-manager"] },
        ],
        modules: ["overlay", "br_netfilter"],
        kubelet: true,
        allowSwap: false,
        requireCgroupV2: true,
        minMemoryMiB: 1700,
        minVarLibFreeMiB: 2048,
    };
    const fit = ["module=overlay", "module=br_netfilter"];
    const problemsOf = (over: Record<string, string>, extra: string[] = fit, req: HostRequirements = node) => reportProblems(parseReport(report(over, extra)), req);

    it("passes a fit host, and one whose ports its own services hold (a re-run), ss's truncated names included", () => {
        expect(problemsOf({})).toEqual([]);
        const ours = ['listen=*:2379 users:(("etcd",pid=7,fd=8))', 'listen=[::]:10250 users:(("kubelet",pid=9,fd=3))', 'listen=*:10257 users:(("kube-controller",pid=5,fd=3))'];
        expect(problemsOf({ os: "debian 13" }, [...fit, ...ours])).toEqual([]);
    });

    it("names each unmet need: OS release, swap, cgroup v1, memory and disk floors, modules, ports held by others", () => {
        expect(problemsOf({ os: "debian 11" })).toEqual(["debian 11 is not a supported release (debian 12, debian 13)"]);
        expect(problemsOf({ os: "ubuntu 24.04" })).toEqual(["ubuntu 24.04 is not a supported release (debian 12, debian 13)"]);
        expect(problemsOf({ swapAreas: "1" })).toEqual([expect.stringMatching(/^swap is on \(1 area\(s\) in \/proc\/swaps\): turn it off .* or set preflight.allowSwap$/)]);
        expect(problemsOf({ swapAreas: "1" }, fit, { ...node, allowSwap: true })).toEqual([]);
        expect(problemsOf({ swapAreas: "1", cgroupFs: "tmpfs" }, fit, { ...node, kubelet: false, requireCgroupV2: false })).toEqual([]);
        expect(problemsOf({ cgroupFs: "tmpfs" })).toEqual(["/sys/fs/cgroup is tmpfs, not cgroup v2 (the kubelet needs the unified hierarchy unless its failCgroupV1 is false)"]);
        expect(problemsOf({ memKiB: String(1024 * 1024) })).toEqual(["1024 MiB of memory, below the floor of 1700 MiB"]);
        expect(problemsOf({ varLibFreeKiB: String(100 * 1024) })).toEqual(["100 MiB free under /var/lib, below the floor of 2048 MiB"]);
        expect(problemsOf({ memKiB: "" })).toEqual(["unknown MiB of memory, below the floor of 1700 MiB"]);
        expect(problemsOf({}, ["module=overlay"])).toEqual(["kernel module(s) br_netfilter neither loaded nor loadable"]);
        expect(problemsOf({}, [...fit, 'listen=0.0.0.0:2379 users:(("socat",pid=1,fd=3),("socat",pid=2,fd=3))', "listen=127.0.0.1:10250 "])).toEqual([
            "port 2379 (etcd client) is in use by socat",
            "port 10250 (kubelet) is in use by an unknown process",
        ]);
        expect(problemsOf({}, [...fit, "listen=unknown"])).toEqual(["cannot list listening ports: `ss` (iproute2) is missing"]);
        // every problem of a host at once
        expect(problemsOf({ os: "debian 11", swapAreas: "2", memKiB: "1" }, [])).toHaveLength(4);
    });

    it("finds clocks out of step across hosts, never a slow connection or the machine's own clock", () => {
        const s = 1_000_000_000n;
        const at = (name: string, offsetS: number, sent = 0n, rtt = s / 10n): ClockReading => ({
            name,
            hostNs: sent + BigInt(offsetS * 1e9) + rtt / 2n,
            sentNs: sent,
            receivedNs: sent + rtt,
        });
        // the machine running Pulumi is 100 s off; the hosts agree: no problem
        expect(clockProblems([at("m1", 100), at("m2", 100.3), at("m3", 99.8)], 2000)).toEqual(new Map());
        // a connection taking 10 s bounds the offset loosely: not counted as skew
        expect(clockProblems([at("m1", 0), at("m2", 3, 0n, 10n * s), at("m3", 0)], 2000)).toEqual(new Map());
        const bad = clockProblems([at("m1", 0), at("m2", 0.2), at("m3", 3600), at("w1", -30)], 2000);
        expect([...bad.keys()].sort()).toEqual(["m3", "w1"]);
        expect(bad.get("m3")).toMatch(/^clock ahead of m\d's by at least 3599\.\d s \(at most 2 s allowed\)/);
        expect(bad.get("w1")).toMatch(/^clock behind m\d's by at least 2\d\.\d s/);
        expect(clockProblems([at("m1", 3600)], 2000)).toEqual(new Map());
    });

    it("reports a stale SSH_AUTH_SOCK (no agent answers), not a live one or none", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-agent-"));
        const live = path.join(dir, "agent.sock");
        const server = net.createServer((c) => c.end());
        await new Promise<void>((r) => server.listen(live, r));
        try {
            expect(await agentSocketProblem(undefined)).toBeUndefined();
            expect(await agentSocketProblem(live)).toBeUndefined();
            expect(await agentSocketProblem(path.join(dir, "gone.sock"))).toMatch(/^SSH_AUTH_SOCK=.*gone\.sock: no SSH agent answers there.*unset SSH_AUTH_SOCK/);
        } finally {
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("stops with the stale agent socket named, before any host is judged fit", async () => {
        const spy = jest.spyOn(ssh, "sshExec").mockImplementation(async () => ({ code: 0, stdout: report({}, fit), stderr: "" }));
        const had = process.env.SSH_AUTH_SOCK;
        process.env.SSH_AUTH_SOCK = path.join(os.tmpdir(), "hak-no-agent-here.sock");
        try {
            const err = await p.create({ hosts: [{ ...host("m1", "10.0.0.11"), requires: node }] }).then(
                () => "",
                (e: Error) => e.message,
            );
            expect(err).toMatch(/^host preflight failed; nothing was changed on any host:\n {2}SSH_AUTH_SOCK=.*hak-no-agent-here\.sock: no SSH agent answers there/);
            expect(err).not.toContain("m1 (");
        } finally {
            if (had === undefined) delete process.env.SSH_AUTH_SOCK;
            else process.env.SSH_AUTH_SOCK = had;
            spy.mockRestore();
        }
    });

    it("reports every host's problems and the clock skew in one error, and re-checks when a requirement changes", async () => {
        const now = () => BigInt(Date.now()) * 1_000_000n;
        const spy = jest.spyOn(ssh, "sshExec").mockImplementation(async (t) => {
            const skew = t.host === "10.0.0.13" ? 3600n * 1_000_000_000n : 0n;
            const over: Record<string, string> = { clockNs: String(now() + skew), ...(t.host === "10.0.0.12" ? { os: "debian 11" } : {}) };
            return { code: 0, stdout: report(over, fit), stderr: "" };
        });
        const had = process.env.SSH_AUTH_SOCK;
        delete process.env.SSH_AUTH_SOCK;
        try {
            const hosts = ["11", "12", "13"].map((n) => ({ ...host(`m${n[1]}`, `10.0.0.${n}`), requires: node }));
            const err = await p.create({ hosts, maxClockSkewMs: 2000 }).then(
                () => "",
                (e: Error) => e.message,
            );
            const lines = err.split("\n");
            expect(lines[0]).toBe("host preflight failed; nothing was changed on any host:");
            expect(lines.slice(1)).toEqual([
                "  m2 (10.0.0.12): debian 11 is not a supported release (debian 12, debian 13)",
                expect.stringMatching(/^ {2}m3 \(10\.0\.0\.13\): clock ahead of m\d's by at least 3\d\d\d\.\d s/),
            ]);
            const olds = { hosts, maxClockSkewMs: 2000, facts: [] };
            expect((await p.diff!("preflight", olds, { hosts, maxClockSkewMs: 2000 })).changes).toBe(false);
            expect((await p.diff!("preflight", olds, { hosts, maxClockSkewMs: 5000 })).changes).toBe(true);
            expect((await p.diff!("preflight", olds, { hosts: hosts.map((h) => ({ ...h, requires: { ...node, minMemoryMiB: 4096 } })), maxClockSkewMs: 2000 })).changes).toBe(true);
        } finally {
            if (had !== undefined) process.env.SSH_AUTH_SOCK = had;
            spy.mockRestore();
        }
    });

    it("the script only reads, is valid POSIX sh, and reports this machine sensibly", () => {
        const sc = spawnSync("shellcheck", ["-s", "sh", "-"], { input: PREFLIGHT_SCRIPT, encoding: "utf8" });
        if (sc.error) throw new Error(`shellcheck could not run (tests/run.sh installs it): ${sc.error.message}`);
        expect(sc.stdout + sc.stderr).toBe("");
        expect(PREFLIGHT_SCRIPT).not.toMatch(/\b(rm|mv|tee|apt-get|systemctl|sysctl -w|swapoff)\b|>\s*\/(?!dev\/null)/);
        const r = parseReport(spawnSync("sh", ["-c", PREFLIGHT_SCRIPT], { encoding: "utf8" }).stdout);
        expect(r.arch).toBe(os.arch() === "arm64" ? "aarch64" : "x86_64");
        expect(r.os).toMatch(/^debian \d+$/);
        expect(r.memKiB).toBe(Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"))![1]));
        expect(r.varLibFreeKiB).toBeGreaterThan(0);
        expect(Number(r.clockNs! / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
        expect(r.listening).toBeDefined();
    });
});
