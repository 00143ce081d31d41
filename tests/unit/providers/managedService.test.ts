import * as ssh from "../../../providers/ssh";
import {
    disableScript,
    enableScript,
    managedServiceProvider as p,
    ManagedServiceArgs,
    parseStatus,
    repairScript,
    serviceDiff,
    statusScript,
} from "../../../providers/managedService";

const conn = { host: "10.0.0.21", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n", dialErrorLimit: 1 };
const args: ManagedServiceArgs = { host: "w1", connection: conn, unit: "kubelet" };

/** Records the scripts the provider runs; answers `statusOut` to a status query. */
function fakeHost(statusOut = "active enabled\n", code = 0) {
    const ran: Array<{ script: string; stdin?: string }> = [];
    const fake = async (script: string, stdin?: string) => {
        ran.push({ script, stdin });
        return { code, stdout: script.startsWith("printf") ? statusOut : "", stderr: code ? "Job for kubelet.service failed" : "" };
    };
    const exec = jest.spyOn(ssh, "sshExec").mockImplementation(async (_t, script, stdin) => fake(script, stdin));
    // sshRun's own contract (fail with host, what and stderr) over the fake host
    const run = jest.spyOn(ssh, "sshRun").mockImplementation(async (t, what, script, stdin) => {
        const r = await fake(script, stdin);
        if (r.code !== 0) throw new Error(`${what} on ${t.host} failed (exit ${r.code}): ${r.stderr}`);
        return r.stdout;
    });
    return {
        ran,
        restore: () => {
            exec.mockRestore();
            run.mockRestore();
        },
    };
}

describe("ManagedService provider", () => {
    it("parses systemctl's answers strictly", () => {
        expect(parseStatus("active enabled\n")).toEqual({ active: true, enabled: true });
        expect(parseStatus("inactive enabled")).toEqual({ active: false, enabled: true });
        expect(parseStatus("failed disabled")).toEqual({ active: false, enabled: false });
        expect(parseStatus("activating enabled")).toEqual({ active: false, enabled: true });
        expect(parseStatus("active enabled-runtime")).toEqual({ active: true, enabled: false });
        expect(parseStatus("")).toEqual({ active: false, enabled: false });
    });

    it("create enables the unit, leaves starting it to the rolling restart, and records it as meant", async () => {
        const h = fakeHost();
        try {
            const r = await p.create(args);
            expect(r.id).toBe("w1:kubelet");
            expect(r.outs).toMatchObject({ unit: "kubelet", active: true, enabled: true });
            expect(h.ran.map((x) => x.script)).toEqual([enableScript("kubelet")]);
            expect(enableScript("kubelet")).toContain("systemctl enable -- 'kubelet'");
            expect(enableScript("kubelet")).not.toMatch(/\b(start|restart)\b/);
        } finally {
            h.restore();
        }
    });

    it("read reports a stopped or disabled service as drift, and an intact one as none", async () => {
        for (const [out, drift] of [
            ["inactive enabled", true],
            ["active disabled", true],
            ["failed enabled", true],
            ["active enabled", false],
        ] as const) {
            const h = fakeHost(`${out}\n`);
            try {
                const r = await p.read!("w1:kubelet", { ...args, active: true, enabled: true });
                expect(h.ran[0].script).toBe(statusScript("kubelet"));
                expect(serviceDiff(r.props!, args).changes).toBe(drift);
                expect(serviceDiff(r.props!, args).replaces).toEqual([]);
            } finally {
                h.restore();
            }
        }
    });

    it("update starts and enables exactly that unit and waits until it is active", async () => {
        const h = fakeHost();
        try {
            const r = await p.update!("w1:kubelet", { ...args, active: false, enabled: true }, args);
            expect(r.outs).toMatchObject({ active: true, enabled: true });
            expect(h.ran.map((x) => x.script)).toEqual([repairScript("kubelet", "w1")]);
            const script = repairScript("kubelet", "w1", 5);
            expect(script).toContain("systemctl is-active --quiet -- 'kubelet' || systemctl start -- 'kubelet'");
            // bounded wait (5 s here), with systemd's reason on timeout
            expect(script).toContain("deadline=$(( $(date +%s) + 5 ))");
            expect(script).toContain("journalctl -u 'kubelet' -n 30 --no-pager >&2");
            expect(script).not.toContain("restart");
        } finally {
            h.restore();
        }
    });

    it("a failed repair names the host, the unit and systemd's reason", async () => {
        const h = fakeHost("", 1);
        try {
            await expect(p.update!("w1:kubelet", { ...args, active: false, enabled: true }, args)).rejects.toThrow(
                /starting kubelet on 10\.0\.0\.21 failed \(exit 1\): Job for kubelet.service failed/,
            );
        } finally {
            h.restore();
        }
    });

    it("moving the service to another unit or host replaces it; delete stops and disables it", async () => {
        expect(serviceDiff({ ...args, active: true, enabled: true }, { ...args, unit: "kube-proxy" })).toMatchObject({ changes: true, replaces: ["unit"] });
        expect(serviceDiff({ ...args, active: true, enabled: true }, { ...args, connection: { ...conn, host: "10.0.0.22" } })).toMatchObject({
            changes: true,
            replaces: ["connection"],
        });
        const h = fakeHost();
        try {
            await p.delete!("w1:kubelet", { ...args, active: true, enabled: true });
            expect(h.ran.map((x) => x.script)).toEqual([disableScript("kubelet")]);
            expect(disableScript("kubelet")).toContain("systemctl disable --now -- 'kubelet'");
        } finally {
            h.restore();
        }
    });

    it("check refuses names that are not systemd units", async () => {
        const r = await p.check!({} as ManagedServiceArgs, { ...args, unit: "kubelet; rm -rf /" });
        expect(r.failures).toEqual([expect.objectContaining({ property: "unit" })]);
        expect((await p.check!({} as ManagedServiceArgs, args)).failures).toEqual([]);
    });

    it("keeps the key out of every script", () => {
        for (const s of [statusScript("kubelet"), enableScript("kubelet"), repairScript("kubelet", "w1"), disableScript("kubelet")]) expect(s).not.toContain("SSHKEY");
    });
});
