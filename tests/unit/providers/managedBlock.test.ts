import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executed, LocalClient } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { blockDiff, blockSha256, managedBlockProvider as p, ManagedBlockArgs, parseBlockRead } from "../../../providers/managedBlock";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-mb-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const conn = { host: "w1.test", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n", dialErrorLimit: 1 };
const HOSTS = "127.0.0.1\tlocalhost\n10.213.0.21\tw1\n";
const BLOCK = "# Managed by ha-kubernetes.\n10.213.0.41\tregistry.lab.internal\n";
const args = (file: string, content = BLOCK): ManagedBlockArgs => ({ host: "w1", connection: conn, path: path.join(dir, file), content });
const hostsFile = (file: string, text = HOSTS, mode = 0o644) => {
    fs.writeFileSync(path.join(dir, file), text);
    fs.chmodSync(path.join(dir, file), mode);
};

describe("ManagedBlock provider", () => {
    it("adds its block after the host's lines, keeps them and the file's mode; the block travels on stdin only", async () => {
        hostsFile("hosts-a");
        const a = args("hosts-a");
        const r = await p.create(a);
        expect(fs.readFileSync(a.path, "utf8")).toBe(`${HOSTS}# BEGIN ha-kubernetes\n${BLOCK}# END ha-kubernetes\n`);
        expect(fs.statSync(a.path).mode & 0o777).toBe(0o644);
        expect(r.outs).toMatchObject({ exists: true, sha256: blockSha256(BLOCK) });
        const last = executed[executed.length - 1];
        expect(last.command).not.toContain("registry.lab.internal");
        expect(last.stdin).toBe(BLOCK);
        // written again: still one block
        await p.update!(r.id, r.outs!, a);
        expect(fs.readFileSync(a.path, "utf8").match(/# BEGIN ha-kubernetes/g)).toHaveLength(1);
        expect(blockDiff((await p.read!(r.id, r.outs)).props!, a).changes).toBe(false);
    });

    it("read reports an edited or removed block as drift, and update repairs only the block", async () => {
        hostsFile("hosts-b");
        const a = args("hosts-b");
        const created = (await p.create(a)).outs!;
        const edited = fs.readFileSync(a.path, "utf8").replace("10.213.0.41", "10.9.9.9") + "192.168.1.1\tadded-by-the-admin\n";
        fs.writeFileSync(a.path, edited);
        const drifted = (await p.read!("x", created)).props!;
        expect(drifted.sha256).not.toBe(blockSha256(BLOCK));
        expect(blockDiff(drifted, a)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        await p.update!("x", drifted, a);
        expect(fs.readFileSync(a.path, "utf8")).toBe(`${HOSTS}192.168.1.1\tadded-by-the-admin\n# BEGIN ha-kubernetes\n${BLOCK}# END ha-kubernetes\n`);
        fs.writeFileSync(a.path, HOSTS);
        const gone = (await p.read!("x", created)).props!;
        expect(gone).toMatchObject({ exists: false, sha256: "" });
        expect(blockDiff(gone, a).changes).toBe(true);
    });

    it("delete removes the block and its markers, and nothing else", async () => {
        hostsFile("hosts-c", HOSTS, 0o640);
        const a = args("hosts-c");
        const created = (await p.create(a)).outs!;
        await p.delete!("x", created);
        expect(fs.readFileSync(a.path, "utf8")).toBe(HOSTS);
        expect(fs.statSync(a.path).mode & 0o777).toBe(0o640);
    });

    it("check refuses a relative path and content with marker lines or no final newline; moving is a replacement", async () => {
        const r = await p.check!(args("x"), { ...args("x"), path: "etc/hosts", content: "1.2.3.4 a" });
        expect(r.failures!.map((f) => f.property).sort()).toEqual(["content", "path"]);
        expect((await p.check!(args("x"), { ...args("x"), content: "# END ha-kubernetes\n" })).failures).toHaveLength(1);
        const olds = { host: "w1", connection: conn, path: "/etc/hosts", sha256: blockSha256(BLOCK), exists: true };
        expect(blockDiff(olds, { ...args("x"), path: "/etc/hosts", connection: { ...conn, host: "w2.test" } }).replaces).toEqual(["connection"]);
        expect(() => parseBlockRead("garbage")).toThrow(/unexpected block read output/);
    });
});
