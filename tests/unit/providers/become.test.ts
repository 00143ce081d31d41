import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { executed, LocalClient, withFakeSudo } from "./localSsh";

jest.mock("ssh2", () => ({ Client: LocalClient }));

import { hostList, hostPreflightProvider as preflight, judgeHost } from "../../../providers/hostPreflight";
import { fileDiff, ManagedFileState, contentSha256 } from "../../../providers/managedFile";
import { parseReport, preflightScript, PREFLIGHT_SCRIPT, reportProblems } from "../../../lib/preflightChecks";
import { asRoot, shellQuote } from "../../../lib/shell";
import { reachChanged, sshDownload, sshExec, SshTarget } from "../../../providers/ssh";

/** A login user other than root that becomes root with passwordless sudo (the fake one). */
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const deploy: SshTarget = { host: "127.0.0.1", user: "deploy", privateKey: KEY, dialErrorLimit: 1, become: "sudo" };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-become-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ME = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
const HAS_SYSTEMD = fs.existsSync("/run/systemd/system");

describe("ssh.become: sudo in the providers", () => {
    it("asRoot wraps a script as sudo -n -- sh -c <quoted script>, and leaves it alone without become", () => {
        expect(asRoot("echo 'a b'", undefined)).toBe("echo 'a b'");
        expect(asRoot("echo 'a b'", "sudo")).toBe(`sudo -n -- sh -c ${shellQuote("echo 'a b'")}`);
    });

    it("sshExec runs the script through sudo -n with stdin reaching it; the secret is never on the command line", async () => {
        await withFakeSudo(async (log) => {
            const r = await sshExec(deploy, 'printf "%s|%s" "$SUDO_USER" "$(cat)"', "s3cret-on-stdin");
            expect(r).toMatchObject({ code: 0, stdout: "tester|s3cret-on-stdin" });
            const last = executed[executed.length - 1];
            expect(last.command).toBe(`sh -c ${shellQuote(asRoot('printf "%s|%s" "$SUDO_USER" "$(cat)"', "sudo"))}`);
            expect(last.command).not.toContain("s3cret");
            expect(last.stdin).toBe("s3cret-on-stdin");
            expect(log()).toEqual([expect.stringMatching(/^-n -- sh -c printf/)]);
        });
        // without become, exactly the command of before
        await sshExec({ ...deploy, become: undefined }, "true");
        expect(executed[executed.length - 1].command).toBe("sh -c 'true'");
    });

    it("copies a root-owned file back through sudo cat (not SFTP), byte for byte, 0600; a failure leaves nothing", async () => {
        const remote = path.join(dir, "e1-snapshot.db");
        fs.writeFileSync(remote, crypto.randomBytes(300_000));
        const local = path.join(dir, "copy.db");
        await withFakeSudo(async (log) => {
            const before = executed.length;
            await sshDownload(deploy, remote, local);
            expect(fs.readFileSync(local).equals(fs.readFileSync(remote))).toBe(true);
            expect(fs.statSync(local).mode & 0o777).toBe(0o600);
            expect(executed.slice(before).map((e) => e.command)).toEqual([asRoot(`cat -- ${shellQuote(remote)}`, "sudo")]);
            expect(log()).toHaveLength(1);
            const err = await sshDownload(deploy, path.join(dir, "gone.db"), path.join(dir, "gone-copy.db")).then(
                () => "",
                (e: Error) => e.message,
            );
            expect(err).toMatch(/copying .*gone\.db from 127\.0\.0\.1 to .*gone-copy\.db failed: cat exited 1: .*No such file/);
            expect(fs.readdirSync(dir).filter((f) => f.startsWith("gone"))).toEqual([]);
        });
    });

    it("the preflight logs in as the user and runs its script as root through sudo", async () => {
        await withFakeSudo(async (log) => {
            const before = executed.length;
            const r = await preflight.create({ hosts: [{ name: "m1", connection: deploy }] }).then(
                (x) => x.outs?.facts,
                (e: Error) => e.message,
            );
            if (HAS_SYSTEMD) expect(r).toEqual([expect.objectContaining({ name: "m1" })]);
            else expect(r).toMatch(/m1 \(127\.0\.0\.1\): systemd is not running$/);
            expect(executed.slice(before).map((e) => e.command)).toEqual([`sh -c ${shellQuote(preflightScript("sudo"))}`]);
            expect(log()).toEqual(["-n true", expect.stringMatching(/^-n -- sh -c echo "clockNs=/)]);
        });
    });

    it("the preflight names the host and the user that cannot run sudo without a password, with the other hosts' problems", async () => {
        await withFakeSudo(async () => {
            const err = await preflight.create({ hosts: [{ name: "m1", connection: deploy }] }).then(
                () => "",
                (e: Error) => e.message,
            );
            expect(err).toBe(
                `host preflight failed; nothing was changed on any host:\n  m1 (127.0.0.1): user ${ME} cannot run sudo without a password (sudo -n true failed): give it NOPASSWD in /etc/sudoers.d`,
            );
        }, true);
        expect(reportProblems(parseReport("user=deploy\nsudo=missing\n"), undefined)).toEqual(["user deploy cannot run sudo: sudo is not installed (ssh.become: sudo needs it)"]);
    });

    it("without become a non-root login is refused, pointing at ssh.become", () => {
        const out = "arch=x86_64\nuid=1000\ninit=systemd\n";
        expect(judgeHost({ name: "m1", connection: { ...deploy, become: undefined } }, out)).toBe(
            "logged in as user deploy (uid 1000), not root: log in as root, or set ssh.become: sudo for a user with passwordless sudo",
        );
        expect(preflightScript(undefined)).toBe(PREFLIGHT_SCRIPT);
    });

    it("a change of become alone updates the recorded connection (re-checks the preflight), never replaces", () => {
        const root: SshTarget = { ...deploy, become: undefined };
        expect(reachChanged(root, deploy)).toBe(true);
        expect(reachChanged(deploy, { ...deploy })).toBe(false);
        expect(hostList([{ name: "m1", connection: deploy }])).toBe("m1=deploy+sudo@127.0.0.1:22#");
        expect(hostList([{ name: "m1", connection: root }])).toBe("m1=deploy@127.0.0.1:22#");
        const olds: ManagedFileState = { host: "m1", connection: root, path: "/a", mode: "0600", sha256: contentSha256("x"), exists: true, writes: 1 };
        expect(fileDiff(olds, { host: "m1", connection: deploy, path: "/a", mode: "0600", content: "x" })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    });
});
