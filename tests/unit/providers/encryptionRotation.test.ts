import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ssh from "../../../providers/ssh";
import { EncryptionRotationArgs, encryptionRotationProvider, rewriteScript, rotationDiff } from "../../../providers/encryptionRotation";
import { renderEncryptionConfig } from "../../../components/render/encryptionConfig";
import { EncryptionKey, encryptionKeysOf, keyId } from "../../../lib/encryptionConfig";
import { masterConnection } from "./standInKubectl";
import YAML from "yaml";

const bytes = (n: number) => Buffer.alloc(32, n).toString("base64");
const legacy: EncryptionKey = { provider: "aescbc", name: "key1", secretBase64: bytes(1) };
const k1: EncryptionKey = { provider: "secretbox", name: "key1", secretBase64: bytes(2) };
const k2: EncryptionKey = { provider: "secretbox", name: "key2", secretBase64: bytes(3) };
const PATH = "/etc/kubernetes/encryption-config.yaml";
const MASTERS = ["m1", "m2", "m3"];

function args(key: EncryptionKey): EncryptionRotationArgs {
    return {
        masters: MASTERS.map((host, i) => ({ host, connection: { ...masterConnection, host: `10.0.0.${11 + i}` } })),
        path: PATH,
        key,
        resources: ["secrets"],
        kubectl: "/usr/local/bin/kubectl",
        kubeconfig: "/etc/kubernetes/admin.kubeconfig",
        localUrl: "https://127.0.0.1:6443",
        timeoutSec: 120,
    };
}

/** Masters whose config files the provider reads and rewrites over (stand-in) SSH; what it ran, in order. */
function standInMasters(files: Record<string, string | undefined>) {
    const byAddress = (t: ssh.SshTarget) => MASTERS[Number(t.host.split(".")[3]) - 11];
    const log: Array<{ host: string; what: string; keys?: string[]; script: string }> = [];
    const exec = jest.spyOn(ssh, "sshExec").mockImplementation(async (t, script) => {
        log.push({ host: byAddress(t), what: "read", script });
        return { code: 0, stdout: files[byAddress(t)] ?? "", stderr: "" };
    });
    const run = jest.spyOn(ssh, "sshRun").mockImplementation(async (t, what, script, stdin) => {
        const host = byAddress(t);
        if (what.startsWith("encryption key rotation")) {
            files[host] = stdin;
            log.push({ host, what: "stage", keys: encryptionKeysOf(YAML.parse(stdin!)).map(keyId), script });
            return "";
        }
        log.push({ host, what: "rewrite", script });
        return "rewrote secrets 7\n";
    });
    return { log, restore: () => (exec.mockRestore(), run.mockRestore()) };
}

const file = (...keys: EncryptionKey[]) => renderEncryptionConfig({ keys });

describe("EncryptionRotation provider", () => {
    it("on a first install (no master has the file) changes nothing", async () => {
        const m = standInMasters({});
        try {
            const r = await encryptionRotationProvider.create!(args(k1));
            expect(m.log.map((l) => l.what)).toEqual(["read", "read", "read"]);
            expect(r.outs).toMatchObject({ keyId: "secretbox:key1", dropped: [], rewritten: {} });
        } finally {
            m.restore();
        }
    });

    it("rotates: the new key readable on every master, then written with on every master, one master at a time, then every secret rewritten", async () => {
        const m = standInMasters({ m1: file(k1), m2: file(k1), m3: file(k1) });
        try {
            const r = await encryptionRotationProvider.update!("id", { ...args(k1), keyId: "secretbox:key1", keySha256: "x", dropped: [], rewritten: {} }, args(k2));
            const acts = m.log.filter((l) => l.what !== "read").map((l) => [l.host, l.what, ...(l.keys ?? [])].join(" "));
            expect(acts).toEqual([
                "m1 stage secretbox:key1 secretbox:key2",
                "m2 stage secretbox:key1 secretbox:key2",
                "m3 stage secretbox:key1 secretbox:key2",
                "m1 stage secretbox:key2 secretbox:key1",
                "m2 stage secretbox:key2 secretbox:key1",
                "m3 stage secretbox:key2 secretbox:key1",
                "m1 rewrite",
            ]);
            expect(r.outs).toMatchObject({ keyId: "secretbox:key2", dropped: ["secretbox:key1"], rewritten: { secrets: 7 } });
            // each stage restarts the apiserver and waits for its /readyz before the next master
            for (const l of m.log.filter((x) => x.what === "stage")) {
                expect(l.script).toContain("systemctl restart kube-apiserver");
                expect(l.script).toContain("https://127.0.0.1:6443/readyz");
            }
            // key material only ever travels over stdin
            for (const l of m.log) for (const k of [k1, k2]) expect(l.script).not.toContain(k.secretBase64);
        } finally {
            m.restore();
        }
    });

    it("takes over from the aescbc key of earlier releases, and from a rotation interrupted after its first stage", async () => {
        const m = standInMasters({ m1: file(k2, legacy), m2: file(legacy, k2), m3: file(legacy, k2) });
        try {
            const r = await encryptionRotationProvider.update!("id", { ...args(legacy), keyId: "aescbc:key1", keySha256: "x", dropped: [], rewritten: {} }, args(k2));
            const acts = m.log.filter((l) => l.what !== "read").map((l) => [l.host, l.what, ...(l.keys ?? [])].join(" "));
            // m1 already writes with the new key: only m2 and m3 get the second stage
            expect(acts).toEqual(["m2 stage secretbox:key2 aescbc:key1", "m3 stage secretbox:key2 aescbc:key1", "m1 rewrite"]);
            expect(r.outs!.dropped).toEqual(["aescbc:key1"]);
        } finally {
            m.restore();
        }
    });

    it("refuses a config it did not write, naming the master, without printing the file", async () => {
        const kms = YAML.stringify({ kind: "EncryptionConfiguration", resources: [{ resources: ["secrets"], providers: [{ kms: { name: "vault" } }, { identity: {} }] }] });
        const m = standInMasters({ m1: file(k1), m2: kms, m3: file(k1) });
        try {
            await expect(encryptionRotationProvider.update!("id", { ...args(k1), keyId: "secretbox:key1", keySha256: "x", dropped: [], rewritten: {} }, args(k2))).rejects.toThrow(
                /encryption-config\.yaml on m2: the encryption config uses provider "kms"/,
            );
            expect(m.log.filter((l) => l.what !== "read")).toEqual([]);
        } finally {
            m.restore();
        }
    });

    it("diff: acts on a new key name or new material, not when only the state is re-read", () => {
        const olds = { ...args(k1), keyId: "secretbox:key1", keySha256: "sha-k1", dropped: [], rewritten: {} };
        expect(rotationDiff(olds, args(k1), "sha-k1").changes).toBe(false);
        expect(rotationDiff(olds, args(k2), "sha-k2").changes).toBe(true);
        expect(rotationDiff(olds, args(k1), "sha-other").changes).toBe(true);
        expect(rotationDiff(olds, { ...args(k1), resources: ["secrets", "configmaps"] }, "sha-k1").changes).toBe(true);
        expect(rotationDiff(olds, { ...args(k1), masters: args(k1).masters.slice(0, 2) }, "sha-k1").changes).toBe(true);
        expect(rotationDiff(olds, args(k1), "sha-k1").replaces).toEqual([]);
    });
});

describe("rewriteScript", () => {
    /** Runs the rewrite against a stand-in kubectl: `count` secrets, `conflicts` failed replaces first. */
    function rewrite(count: number, conflicts: number): { status: number | null; stdout: string; stderr: string; calls: string[] } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-rewrite-"));
        try {
            const kubectl = path.join(dir, "kubectl");
            fs.writeFileSync(
                kubectl,
                [
                    "#!/bin/sh",
                    `printf '%s\\n' "$*" >> ${dir}/calls`,
                    'case "$*" in',
                    `  *"-o name"*) i=0; while [ "$i" -lt ${count} ]; do echo "secret/s$i"; i=$((i+1)); done ;;`,
                    '  *"-o json"*) echo \'{"kind":"List","items":[]}\' ;;',
                    `  *replace*) cat >/dev/null; n=$(cat ${dir}/conflicts 2>/dev/null || echo 0); if [ "$n" -lt ${conflicts} ]; then echo $((n+1)) > ${dir}/conflicts; echo 'Error from server (Conflict): the object has been modified' >&2; exit 1; fi; echo 'secret/s0 replaced' ;;`,
                    "esac",
                ].join("\n"),
                { mode: 0o755 },
            );
            const r = spawnSync("/bin/sh", ["-c", rewriteScript({ kubectl, kubeconfig: "/k", resources: ["secrets"] }).replace(/sleep 2/g, "true")], { encoding: "utf8" });
            const calls = fs.existsSync(`${dir}/calls`) ? fs.readFileSync(`${dir}/calls`, "utf8").trim().split("\n") : [];
            return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("rewrites through the API, retrying conflicts, and reports the count", () => {
        const r = rewrite(3, 2);
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe("rewrote secrets 3");
        expect(r.calls.filter((c) => c.includes("replace -f -"))).toHaveLength(3);
        expect(r.stderr).toContain("Conflict");
    });

    it("fails after five conflicts, and skips a resource with no objects", () => {
        const failed = rewrite(3, 9);
        expect(failed.status).toBe(1);
        expect(failed.stderr).toContain("could not rewrite every secrets with the new encryption key");
        const none = rewrite(0, 0);
        expect(none.status).toBe(0);
        expect(none.stdout.trim()).toBe("rewrote secrets 0");
        expect(none.calls.some((c) => c.includes("replace"))).toBe(false);
    });
});

describe("EncryptionRotation diff at preview", () => {
    it("a key not known yet (a new random key) is a change, not a failure", async () => {
        const olds = { ...args(k1), keyId: "secretbox:key1", keySha256: "sha-k1", dropped: [], rewritten: {} };
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9" as unknown as EncryptionKey;
        expect(await encryptionRotationProvider.diff!("id", olds, { ...args(k1), key: unknown })).toMatchObject({ changes: true, replaces: [] });
    });
});
