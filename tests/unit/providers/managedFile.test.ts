import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executed, LocalClient, unreachable } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { contentSha256, fileDiff, managedFileProvider as p, ManagedFileArgs, ManagedFileState, parseStat } from "../../../providers/managedFile";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-mf-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const conn = { host: "m1.test", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n", dialErrorLimit: 1 };
const args = (file: string, content: string, mode = "0600"): ManagedFileArgs => ({ host: "m1", connection: conn, path: path.join(dir, file), content, mode });

describe("ManagedFile provider", () => {
    it("creates the file with its mode, content only on stdin", async () => {
        const a = args("pki/apiserver.key", "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
        const r = await p.create(a);
        expect(r.id).toBe(`m1:${a.path}`);
        expect(fs.readFileSync(a.path, "utf8")).toBe(a.content);
        expect(fs.statSync(a.path).mode & 0o777).toBe(0o600);
        expect(r.outs).toMatchObject({ exists: true, mode: "0600", sha256: contentSha256(a.content), writes: 1 });
        expect(JSON.stringify(r.outs)).not.toContain("PRIVATE KEY-----\nK");
        const last = executed[executed.length - 1];
        expect(last.command).not.toContain("PRIVATE KEY");
        expect(last.stdin).toBe(a.content);
    });

    it("read reports an edited file as drift, and update repairs exactly it", async () => {
        const a = args("apiserver.env", "ARGS=--a=1\n", "0644");
        const created = (await p.create(a)).outs!;
        expect(fileDiff(created, a).changes).toBe(false);
        fs.writeFileSync(a.path, "ARGS=--a=2\n");
        const refreshed = (await p.read!(`m1:${a.path}`, created)).props!;
        expect(refreshed.sha256).toBe(contentSha256("ARGS=--a=2\n"));
        expect(fileDiff(refreshed, a)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        const updated = (await p.update!(`m1:${a.path}`, refreshed, a)).outs!;
        expect(fs.readFileSync(a.path, "utf8")).toBe("ARGS=--a=1\n");
        expect(updated.writes).toBe(2);
        const again = (await p.read!(`m1:${a.path}`, updated)).props!;
        expect(fileDiff(again, a).changes).toBe(false);
    });

    it("a deleted file or a changed mode is drift too", async () => {
        const a = args("ca.crt", "CERT\n", "0644");
        const created = (await p.create(a)).outs!;
        fs.chmodSync(a.path, 0o666);
        expect(fileDiff((await p.read!("x", created)).props!, a).changes).toBe(true);
        fs.rmSync(a.path);
        const gone = (await p.read!("x", created)).props!;
        expect(gone).toMatchObject({ exists: false, sha256: "", mode: "" });
        expect(fileDiff(gone, a).changes).toBe(true);
    });

    it("moving a file or host is a replacement", () => {
        const olds: ManagedFileState = { host: "m1", connection: conn, path: "/a", mode: "0644", sha256: contentSha256("x"), exists: true, writes: 1 };
        expect(fileDiff(olds, { ...args("b", "x", "0644"), path: "/b" }).replaces).toEqual(["path"]);
        expect(fileDiff(olds, { ...args("b", "x", "0644"), path: "/a", connection: { ...conn, host: "m2.test" } }).replaces).toEqual(["connection"]);
    });

    it("delete restores what was there before the first write", async () => {
        const target = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(target, "debian\n");
        const a = { ...args("haproxy.cfg", "ours\n", "0644"), path: target };
        const created = (await p.create(a)).outs!;
        await p.delete!("x", created);
        expect(fs.readFileSync(target, "utf8")).toBe("debian\n");
    });

    it("check rejects relative paths and bad modes", async () => {
        const r = await p.check!(args("x", "y"), { ...args("x", "y"), path: "etc/x", mode: "644" });
        expect(r.failures!.map((f) => f.property).sort()).toEqual(["mode", "path"]);
    });

    it("fails naming the host when it cannot be reached", async () => {
        unreachable.add("down.test");
        await expect(p.create({ ...args("z", "z"), connection: { ...conn, host: "down.test" } })).rejects.toThrow(/cannot reach root@down.test:22 over SSH/);
    });

    it("parses stat output strictly", () => {
        expect(parseStat("644 " + "a".repeat(64))).toEqual({ exists: true, mode: "0644", sha256: "a".repeat(64) });
        expect(parseStat("absent\n").exists).toBe(false);
        expect(() => parseStat("garbage")).toThrow(/unexpected stat output/);
    });
});
