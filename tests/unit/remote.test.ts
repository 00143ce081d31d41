import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { ensurePackagesScript, installBinaryScript, parseSha256Sums } from "../../components/artifacts";
import { deleteFileScript, restartAndWaitScript, shellQuote, waitScript, writeFileScript } from "../../components/remote";

function sh(script: string, stdin = ""): { code: number; out: string; err: string } {
    try {
        const out = execFileSync("/bin/sh", ["-c", script], { input: stdin, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
        return { code: 0, out, err: "" };
    } catch (e) {
        const x = e as { status: number; stdout: string; stderr: string };
        return { code: x.status, out: x.stdout, err: x.stderr };
    }
}

describe("shellQuote", () => {
    it("round-trips any string through sh", () => {
        fc.assert(
            fc.property(
                fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0")),
                (s) => {
                    expect(sh(`printf '%s' ${shellQuote(s)}`).out).toBe(s);
                },
            ),
            { numRuns: 60 },
        );
    });
});

describe("writeFileScript", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-write-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes stdin atomically with the mode asked, creating parent dirs", () => {
        const target = path.join(dir, "a b", "secret.key");
        const r = sh(writeFileScript(target, "0600"), "KEY MATERIAL\n");
        expect(r.code).toBe(0);
        expect(fs.readFileSync(target, "utf8")).toBe("KEY MATERIAL\n");
        expect(fs.statSync(target).mode & 0o777).toBe(0o600);
        expect(fs.readdirSync(path.dirname(target))).toEqual(["secret.key"]);
    });
    it("keeps a file that was there before the first write and puts it back on delete", () => {
        const target = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(target, "debian default\n");
        expect(sh(writeFileScript(target, "0644", true), "ours v1\n").code).toBe(0);
        expect(sh(writeFileScript(target, "0644", false), "ours v2\n").code).toBe(0);
        expect(fs.readFileSync(target, "utf8")).toBe("ours v2\n");
        expect(sh(deleteFileScript(target)).code).toBe(0);
        expect(fs.readFileSync(target, "utf8")).toBe("debian default\n");
        const fresh = path.join(dir, "fresh.conf");
        expect(sh(writeFileScript(fresh, "0644", true), "x").code).toBe(0);
        expect(sh(deleteFileScript(fresh)).code).toBe(0);
        expect(fs.existsSync(fresh)).toBe(false);
        expect(fs.readdirSync(dir).filter((f) => f.includes("orig"))).toEqual([]);
    });
    it("never puts the content on the command line", () => {
        expect(writeFileScript("/etc/x", "0644")).not.toMatch(/KEY/);
    });
    it("rejects relative paths and odd modes", () => {
        expect(() => writeFileScript("etc/x", "0644")).toThrow(/absolute/);
        expect(() => writeFileScript("/etc/x", "777")).toThrow(/mode/);
    });
});

describe("waitScript", () => {
    it("succeeds as soon as the check passes", () => {
        expect(sh(waitScript({ what: "x", check: "true", timeoutSec: 5 })).code).toBe(0);
    });
    it("fails after the timeout with a message naming what it waited for", () => {
        const r = sh(waitScript({ what: "etcd on m1", check: "echo nope; false", timeoutSec: 1 }));
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/timed out after 1s waiting for etcd on m1/);
        expect(r.err).toMatch(/nope/);
    });
    it("restart scripts name the host and unit", () => {
        const s = restartAndWaitScript({ unit: "kube-apiserver", host: "m2", check: "true", timeoutSec: 10 });
        expect(s).toMatch(/systemctl restart 'kube-apiserver'/);
        expect(s).toMatch(/kube-apiserver failed to start on m2/);
    });
});

describe("artifacts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-bin-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("parses sha256sum output", () => {
        const a = "a".repeat(64),
            b = "b".repeat(64);
        expect(parseSha256Sums(`${a}  kubelet\n${b} *bin/etcd\n\njunk\n`)).toEqual({ kubelet: a, etcd: b });
    });
    it("the install script refuses a checksum mismatch and installs a match", () => {
        const staged = path.join(dir, "tool");
        fs.writeFileSync(staged, "#!/bin/sh\necho hi\n");
        const good = execFileSync("sha256sum", [staged], { encoding: "utf8" }).split(" ")[0];
        const bad = installBinaryScript({ name: "tool", sha256: "0".repeat(64), host: "w1", staged });
        const r = sh(bad.replace(/\/usr\/local\/bin/g, dir + "/bin"));
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/checksum mismatch for tool on w1/);
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        const ok = installBinaryScript({ name: "tool", sha256: good, host: "w1", staged }).replace(/\/usr\/local\/bin/g, dir + "/bin");
        expect(sh(ok).code).toBe(0);
        expect(fs.statSync(path.join(dir, "bin", "tool")).mode & 0o777).toBe(0o755);
        expect(sh(ok).code).toBe(0); // idempotent: already installed
    });
    it("download installs use curl with the URL quoted", () => {
        const s = installBinaryScript({ name: "kubelet", sha256: "c".repeat(64), host: "w1", url: "http://mirror/v1 x/kubelet" });
        expect(s).toContain("'http://mirror/v1 x/kubelet'");
    });
    it("package script installs only what is missing", () => {
        const s = ensurePackagesScript(["haproxy", "keepalived"]);
        expect(s).toMatch(/dpkg-query/);
        expect(s).toMatch(/apt-get install/);
        expect(s).toContain("'haproxy' 'keepalived'");
    });
});
