import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { etcdctlCommand } from "../../../components/etcdCluster";
import { PATHS } from "../../../components/render/paths";
import { renderEtcdSnapshotScript, renderEtcdSnapshotService, renderEtcdSnapshotTimer } from "../../../components/render/etcdSnapshot";

describe("scheduled etcd snapshots: script, service and timer", () => {
    const etcdctl = etcdctlCommand(2379, "").trimEnd();

    it("match the snapshots: the script saves with the member's TLS etcdctl; the timer runs every interval from boot and from the last run", () => {
        const script = renderEtcdSnapshotScript(12, etcdctl);
        const service = renderEtcdSnapshotService();
        const timer = renderEtcdSnapshotTimer({ intervalMinutes: 360, keep: 12 });
        expect({ script, service, timer }).toMatchSnapshot();
        expect(script).toContain(`dir='${PATHS.etcd.scheduledSnapshotDir}'`);
        expect(script).toContain(`${etcdctl} --command-timeout=300s snapshot save "$snap.part"`);
        expect(timer).toMatch(/^OnBootSec=360min$/m);
        expect(timer).toMatch(/^OnUnitActiveSec=360min$/m);
        expect(timer).toMatch(/^Unit=etcd-snapshot.service$/m);
        expect(service).toMatch(/^ExecStart=\/usr\/local\/sbin\/ha-kubernetes-etcd-snapshot$/m);
        expect(service).toMatch(/^Requisite=etcd.service$/m);
        expect(() => renderEtcdSnapshotTimer({ intervalMinutes: 0, keep: 1 })).toThrow(/bad snapshot interval/);
        expect(() => renderEtcdSnapshotScript(0, etcdctl)).toThrow(/bad snapshot count/);
    });

    /** The script with its host paths moved under `dir` and a fake etcdctl (`fail`: it fails after writing part of the file). */
    function runScript(dir: string, keep: number, fail = false): { status: number | null; stderr: string; stdout: string } {
        const bin = path.join(dir, "etcdctl");
        fs.writeFileSync(bin, `#!/bin/sh\nfor a; do last="$a"; done\necho partial > "$last"\n${fail ? "exit 1" : 'echo data >> "$last"'}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "etcd.env"), 'ETCD_NAME="e1"\n');
        const script = renderEtcdSnapshotScript(keep, bin)
            .split(PATHS.etcd.scheduledSnapshotDir)
            .join(path.join(dir, "snaps"))
            .split(PATHS.etcd.env)
            .join(path.join(dir, "etcd.env"));
        const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
        return { status: r.status, stderr: r.stderr, stdout: r.stdout };
    }

    it("writes <member>-<time>.db (0600 in a 0700 directory) only when complete and keeps the newest `keep`", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-snap-"));
        try {
            const snaps = path.join(dir, "snaps");
            fs.mkdirSync(snaps, { mode: 0o700 });
            // older snapshots: the oldest go
            for (let i = 0; i < 4; i++) {
                const f = path.join(snaps, `e1-2026010${i}T000000Z.db`);
                fs.writeFileSync(f, "old");
                fs.utimesSync(f, 1_000_000 + i, 1_000_000 + i);
            }
            const r = runScript(dir, 3);
            expect(r.status).toBe(0);
            const files = fs.readdirSync(snaps).sort();
            expect(files).toHaveLength(3);
            expect(files).toEqual(expect.arrayContaining(["e1-20260102T000000Z.db", "e1-20260103T000000Z.db"]));
            const fresh = files.find((f) => !f.startsWith("e1-2026010"))!;
            expect(fresh).toMatch(/^e1-\d{8}T\d{6}Z\.db$/);
            expect(fs.readFileSync(path.join(snaps, fresh), "utf8")).toBe("partial\ndata\n");
            expect(fs.statSync(path.join(snaps, fresh)).mode & 0o777).toBe(0o600);
            expect(r.stdout).toMatch(/3 kept/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a failed snapshot fails the service and leaves no file behind, nor deletes an older one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-snap-"));
        try {
            const snaps = path.join(dir, "snaps");
            fs.mkdirSync(snaps, { mode: 0o700 });
            fs.writeFileSync(path.join(snaps, "e1-20260101T000000Z.db"), "old");
            const r = runScript(dir, 1, true);
            expect(r.status).toBe(1);
            expect(r.stderr).toContain("etcd-snapshot: the snapshot of e1 failed");
            expect(fs.readdirSync(snaps)).toEqual(["e1-20260101T000000Z.db"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
