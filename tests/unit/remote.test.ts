import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { ensurePackagesScript, installBinaryScript, PACKAGE_RECORD_DIR, packageRecord, parseSha256Sums, removePackagesScript } from "../../components/artifacts";
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
        const s = ensurePackagesScript(["haproxy", "keepalived"], packageRecord("lab-lb-m1-lb-base"));
        expect(s).toMatch(/dpkg-query/);
        expect(s).toMatch(/apt-get install/);
        expect(s).toContain("'haproxy' 'keepalived'");
        expect(s).toContain("'/var/lib/ha-kubernetes/packages/lab-lb-m1-lb-base'");
    });

    it("records on the host every package the install added, and destroy removes exactly those, with no environment variable", () => {
        // a host with fake dpkg and apt: it has curl; installing haproxy pulls in liblua
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-pkg-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const db = path.join(dir, "dpkg");
        fs.writeFileSync(db, "curl\n");
        const log = path.join(dir, "apt.log");
        const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        script(
            "dpkg-query",
            `case "$2" in *Status-Abbrev*) while read -r p; do printf 'ii  %s\\n' "$p"; done < ${db} ;; *) grep -qx "$3" ${db} && printf 'install ok installed' || exit 1 ;; esac`,
        );
        script(
            "apt-get",
            `echo "$*" >> ${log}; case "$*" in *install*) for p in "$@"; do case "$p" in -*|install) ;; *) echo "$p" >> ${db}; [ "$p" = haproxy ] && echo liblua5.4-0 >> ${db};; esac; done ;; esac; exit 0`,
        );
        script("rmdir", "exit 0"); // destroy's rmdir of ha-kubernetes' directories must not touch this machine
        const record = path.join(dir, "packages", "lab-lb-m1-lb-base");
        const run = (s: string) => sh(`PATH=${bin}:$PATH; unset PULUMI_COMMAND_STDOUT; ${s.split(PACKAGE_RECORD_DIR).join(path.join(dir, "packages"))}`);
        try {
            const created = run(ensurePackagesScript(["curl", "haproxy", "keepalived"], packageRecord("lab-lb-m1-lb-base")));
            expect(created.code).toBe(0);
            expect(fs.readFileSync(record, "utf8").trim().split("\n")).toEqual(["haproxy", "keepalived", "liblua5.4-0"]);
            expect(created.out.trim()).toBe("haproxy keepalived liblua5.4-0");
            // a second run installs nothing and keeps the record
            fs.writeFileSync(log, "");
            expect(run(ensurePackagesScript(["curl", "haproxy", "keepalived"], packageRecord("lab-lb-m1-lb-base"))).out.trim()).toBe("haproxy keepalived liblua5.4-0");
            expect(fs.readFileSync(log, "utf8")).toBe("");
            const removed = run(removePackagesScript("true", packageRecord("lab-lb-m1-lb-base")));
            expect(removed.code).toBe(0);
            expect(fs.readFileSync(log, "utf8").trim()).toBe("remove -y -qq haproxy keepalived liblua5.4-0");
            expect(fs.existsSync(record)).toBe(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
