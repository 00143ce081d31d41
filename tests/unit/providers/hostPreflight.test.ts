import * as fs from "fs";
import { executed, LocalClient, unreachable } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { hostList, hostPreflightProvider as p, judgeHost, PREFLIGHT_ATTEMPTS, PREFLIGHT_SCRIPT, PreflightHost } from "../../../providers/hostPreflight";
import * as ssh from "../../../providers/ssh";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const host = (name: string, address: string): PreflightHost => ({ name, connection: { host: address, user: "root", privateKey: KEY, dialErrorLimit: 1 } });
const HAS_SYSTEMD = fs.existsSync("/run/systemd/system");

describe("HostPreflight provider", () => {
    it("judges a host's facts: root, systemd, a supported architecture", () => {
        const m1 = host("m1", "10.0.0.11");
        expect(judgeHost(m1, "x86_64 6.1.0-28-amd64 0 systemd\n")).toEqual({ name: "m1", address: "10.0.0.11", arch: "x86_64", kernel: "6.1.0-28-amd64" });
        expect(judgeHost(m1, "aarch64 6.1.0 0 systemd")).toMatchObject({ arch: "aarch64" });
        expect(judgeHost(m1, "x86_64 6.1.0 1000 systemd")).toBe("logged in as uid 1000, not root");
        expect(judgeHost(m1, "x86_64 6.1.0 0 no-systemd")).toBe("systemd is not running");
        expect(judgeHost(m1, "riscv64 6.1.0 1000 no-systemd")).toBe('unsupported architecture "riscv64"; logged in as uid 1000, not root; systemd is not running');
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
        const spy = jest.spyOn(ssh, "sshExec").mockImplementation(async (t) => ({ code: 0, stdout: `x86_64 6.1.0-${t.host} 0 systemd\n`, stderr: "" }));
        try {
            const patient = (h: PreflightHost): PreflightHost => ({ ...h, connection: { ...h.connection, dialErrorLimit: 20 } });
            const r = await p.create({ hosts: [patient(host("m1", "10.0.0.11")), patient(host("m2", "10.0.0.12"))] });
            expect(r.id).toBe("preflight");
            expect(r.outs?.facts).toEqual([
                { name: "m1", address: "10.0.0.11", arch: "x86_64", kernel: "6.1.0-10.0.0.11" },
                { name: "m2", address: "10.0.0.12", arch: "x86_64", kernel: "6.1.0-10.0.0.12" },
            ]);
            // at most PREFLIGHT_ATTEMPTS connection attempts per host, however patient the connection
            expect(spy.mock.calls.map(([t]) => t.dialErrorLimit)).toEqual([PREFLIGHT_ATTEMPTS, PREFLIGHT_ATTEMPTS]);
        } finally {
            spy.mockRestore();
        }
    });
});
