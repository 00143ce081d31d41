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
        expect(s).toMatch(/apt-get \$apt install/);
        expect(s).toContain("'haproxy' 'keepalived'");
        expect(s).toContain("'/var/lib/ha-kubernetes/packages/lab-lb-m1-lb-base'");
    });

    it("with a package mirror, apt reads only the mirror's source (signed-by its key; the host's codename when no suite) and destroy removes both files", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-mirror-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const log = path.join(dir, "apt.log");
        const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        script("dpkg-query", `case "$2" in *Status-Abbrev*) echo 'ii  curl' ;; *) exit 1 ;; esac`);
        script("apt-get", `echo "$*" >> ${log}; exit 0`);
        script("rmdir", "exit 0");
        const packages = path.join(dir, "packages");
        const record = packageRecord("lab-node-w1-node-base");
        const run = (s: string) => sh(`PATH=${bin}:$PATH; ${s.split(PACKAGE_RECORD_DIR).join(packages)}`);
        const key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEaxcc\n=ukAB\n-----END PGP PUBLIC KEY BLOCK-----\n";
        const codename = /^VERSION_CODENAME=(.*)$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))![1];
        try {
            const r = run(ensurePackagesScript(["containerd"], record, { url: "http://10.213.0.1:3142/debian", components: ["main"], signedBy: key }));
            expect(r).toMatchObject({ code: 0 });
            const list = path.join(packages, "lab-node-w1-node-base.list");
            expect(fs.readFileSync(list, "utf8").split("\n")[1]).toBe(`deb [signed-by=${packages}/lab-node-w1-node-base.asc] http://10.213.0.1:3142/debian ${codename} main`);
            expect(fs.readFileSync(path.join(packages, "lab-node-w1-node-base.asc"), "utf8")).toBe(key);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n");
            const only = `-o Dir::Etc::SourceList=${list} -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0`;
            expect(calls).toEqual([`${only} update -qq`, `${only} install -y -qq --no-install-recommends containerd`]);
            // a suite given is used as it is, with no key: the keys the host's apt trusts
            run(ensurePackagesScript(["containerd"], record, { url: "http://m/debian", suite: "trixie", components: ["main", "contrib"] }));
            expect(fs.readFileSync(list, "utf8").split("\n")[1]).toBe("deb http://m/debian trixie main contrib");
            expect(run(removePackagesScript("true", record)).code).toBe(0);
            expect(fs.readdirSync(packages)).toEqual([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
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
