import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { corruptDownloads, executed, LocalClient } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { EtcdSnapshotCopyArgs, etcdSnapshotCopyProvider as p, newestSnapshotScript, parseNewest, snapshotCopyDiff, surplusCopies } from "../../../providers/etcdSnapshotCopy";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-snap-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const remote = path.join(dir, "host", "var-lib-etcd-snapshots");
const local = path.join(dir, "backups");
fs.mkdirSync(remote, { recursive: true });

const conn = { host: "e1.test", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n", dialErrorLimit: 1 };
const args = (trigger: string, keep = 2): EtcdSnapshotCopyArgs => ({ host: "e1", connection: conn, member: "e1", remoteDirectory: remote, localDirectory: local, keep, trigger });
const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
/** A snapshot on the "host", newer than the ones before it (`ls -t` goes by time). */
let clock = Date.UTC(2026, 10, 23, 12, 0, 0) / 1000;
const snapshot = (name: string, content: string) => {
    const f = path.join(remote, name);
    fs.writeFileSync(f, content);
    clock += 60;
    fs.utimesSync(f, clock, clock);
    return f;
};

describe("EtcdSnapshotCopy provider", () => {
    it("copies nothing while the member has no snapshot yet", async () => {
        const r = await p.create(args("restart-1"));
        expect(r.outs).toMatchObject({ copied: "", sha256: "" });
        expect(fs.existsSync(path.join(local, "e1"))).toBe(false);
    });

    it("copies the member's newest snapshot, checked against the host's sha256, mode 0600 in a 0700 directory", async () => {
        snapshot("e1-20261123T120100Z.db", "older");
        const newest = snapshot("e1-20261123T120200Z.db", "newest snapshot \u0000\u00ff binary");
        snapshot("e2-20261123T120300Z.db", "another member's");
        const r = (await p.update!("e1-snapshot-copy", { ...args("restart-1"), copied: "", sha256: "" }, args("restart-2"))).outs!;
        const copy = path.join(local, "e1", "e1-20261123T120200Z.db");
        expect(r).toMatchObject({ copied: copy, sha256: sha(newest) });
        expect(fs.readFileSync(copy)).toEqual(fs.readFileSync(newest));
        expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
        expect(fs.statSync(path.join(local, "e1")).mode & 0o777).toBe(0o700);
        expect(fs.readdirSync(path.join(local, "e1"))).toEqual(["e1-20261123T120200Z.db"]);
        expect(JSON.stringify(r)).not.toContain("SSHKEY\n-----END");
    });

    it("does not copy the same snapshot twice, and keeps only the newest `keep` copies", async () => {
        const before = executed.filter((e) => e.command.startsWith("sftp get")).length;
        await p.update!("e1-snapshot-copy", { ...args("restart-2"), copied: "", sha256: "" }, args("restart-3"));
        expect(executed.filter((e) => e.command.startsWith("sftp get")).length).toBe(before);
        snapshot("e1-20261123T120400Z.db", "third");
        snapshot("e1-20261123T120500Z.db", "fourth");
        await p.update!("e1-snapshot-copy", { ...args("restart-3"), copied: "", sha256: "" }, args("restart-4"));
        await p.update!("e1-snapshot-copy", { ...args("restart-4"), copied: "", sha256: "" }, args("restart-5"));
        fs.rmSync(path.join(remote, "e1-20261123T120500Z.db"));
        snapshot("e1-20261123T120600Z.db", "fifth");
        await p.update!("e1-snapshot-copy", { ...args("restart-5"), copied: "", sha256: "" }, args("restart-6"));
        expect(fs.readdirSync(path.join(local, "e1")).sort()).toEqual(["e1-20261123T120500Z.db", "e1-20261123T120600Z.db"]);
    });

    it("refuses a copy that does not match the host's file and leaves no file behind", async () => {
        snapshot("e1-20261123T120700Z.db", "seventh");
        corruptDownloads.value = true;
        try {
            await expect(p.update!("e1-snapshot-copy", { ...args("restart-6"), copied: "", sha256: "" }, args("restart-7"))).rejects.toThrow(
                /e1-20261123T120700Z\.db from e1 does not match it/,
            );
        } finally {
            corruptDownloads.value = false;
        }
        expect(fs.existsSync(path.join(local, "e1", "e1-20261123T120700Z.db"))).toBe(false);
        expect(fs.readdirSync(path.join(local, "e1")).filter((n) => n.endsWith(".part"))).toEqual([]);
    });

    it("acts on a new trigger or directory, not on a new SSH key; delete keeps the copies", async () => {
        const state = { ...args("r1"), copied: "x", sha256: "y" };
        expect(snapshotCopyDiff(state, args("r1")).changes).toBe(false);
        expect(snapshotCopyDiff(state, { ...args("r1"), connection: { ...conn, privateKey: "other" } }).changes).toBe(false);
        expect(snapshotCopyDiff(state, args("r2")).changes).toBe(true);
        expect(snapshotCopyDiff(state, { ...args("r1"), localDirectory: "/elsewhere" }).changes).toBe(true);
        await p.delete!("e1-snapshot-copy", state);
        expect(fs.readdirSync(path.join(local, "e1")).length).toBeGreaterThan(0);
    });

    it("pure helpers: the newest-snapshot script quotes its words, its output is parsed strictly, surplus by name", () => {
        expect(newestSnapshotScript("/var/lib/etcd snapshots", "e'1")).toContain(`ls -1t '/var/lib/etcd snapshots'/'e'\\''1'-*.db`);
        expect(parseNewest(`${"a".repeat(64)}  /var/lib/etcd-snapshots/e1-20261123T120000Z.db\n`)).toEqual({
            sha256: "a".repeat(64),
            path: "/var/lib/etcd-snapshots/e1-20261123T120000Z.db",
        });
        expect(parseNewest("")).toBeUndefined();
        expect(parseNewest("sha256sum: no such file")).toBeUndefined();
        expect(surplusCopies(["e1-3.db", "e1-1.db", "e10-0.db", "e1-2.db", "e1-2.db.part"], "e1", 2)).toEqual(["e1-1.db"]);
        expect(surplusCopies(["e1-1.db"], "e1", 5)).toEqual([]);
    });
});
