import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expandHome, fileOrTextProblems, fileOrTextValue, pemReason } from "../../components/fileInputs";
import { TEST_CA_PEM, TEST_SSH_KEY } from "./fixtures";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hak-pem-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function keygen(name: string, passphrase: string): string {
    const f = path.join(tmp, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "", "-f", f]);
    return f;
}

describe("PEM and SSH key inputs", () => {
    it("accepts a certificate, a bundle of two, and an OpenSSH key", () => {
        expect(pemReason("certificate", TEST_CA_PEM)).toBeUndefined();
        expect(pemReason("certificate", `${TEST_CA_PEM}\n${TEST_CA_PEM}`)).toBeUndefined();
        expect(pemReason("sshPrivateKey", TEST_SSH_KEY)).toBeUndefined();
    });

    it("names what is wrong, never quoting the value", () => {
        expect(pemReason("certificate", "/etc/ssl/registry-ca.crt")).toMatch(/looks like a file path/);
        expect(pemReason("certificate", "~/ca.pem")).toMatch(/looks like a file path/);
        expect(pemReason("certificate", "ca.crt")).toMatch(/looks like a file path/);
        expect(pemReason("sshPrivateKey", "id_ed25519")).toMatch(/looks like a file path/);
        expect(pemReason("certificate", "MIIBszCCAVmgAwIBAgIU")).toMatch(/no PEM block/);
        expect(pemReason("certificate", TEST_SSH_KEY)).toMatch(/block 1 is OPENSSH PRIVATE KEY, not CERTIFICATE/);
        expect(pemReason("certificate", `${TEST_CA_PEM}trailing words`)).toMatch(/text outside the PEM blocks/);
        expect(pemReason("certificate", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----")).toMatch(/block 1 does not parse/);
        expect(pemReason("certificate", 42)).toMatch(/got number/);
        const encrypted = fs.readFileSync(keygen("enc", "passphrase"), "utf8");
        expect(pemReason("sshPrivateKey", encrypted)).toMatch(/Encrypted private OpenSSH key/);
        const pub = fs.readFileSync(`${keygen("pub", "")}.pub`, "utf8");
        expect(pemReason("sshPrivateKey", pub)).toMatch(/public key, not a private one/);
        for (const [v, body] of [
            [encrypted, encrypted.split("\n")[1]],
            [pub, pub.split(" ")[1]],
            ["-----BEGIN OPENSSH PRIVATE KEY-----\nsecretbody\n-----END OPENSSH PRIVATE KEY-----", "secretbody"],
        ]) {
            expect(body.length).toBeGreaterThan(8);
            expect(pemReason("sshPrivateKey", v)).not.toContain(body);
        }
    });

    it("reads a …Path input with ~ expanded, and checks the file's content", () => {
        const home = os.homedir();
        expect(expandHome("~/x/ca.crt", "/home/u")).toBe("/home/u/x/ca.crt");
        expect(expandHome("~", "/home/u")).toBe("/home/u");
        expect(expandHome("/a/~/b", "/home/u")).toBe("/a/~/b");
        const reader = { fileExists: (f: string) => f === `${home}/ca.crt` || f === `${home}/key`, readFile: (f: string) => (f.endsWith("ca.crt") ? TEST_CA_PEM : TEST_SSH_KEY) };
        const input = { kind: "certificate" as const, textPath: "registry.caPem", filePath: "registry.caPemPath" };
        expect(fileOrTextProblems({ ...input, file: "~/ca.crt" }, reader)).toEqual([]);
        expect(fileOrTextProblems({ ...input, file: "~/key" }, reader)).toEqual([
            ["registry.caPemPath", `file ${home}/key is not a PEM certificate (-----BEGIN CERTIFICATE-----): block 1 is OPENSSH PRIVATE KEY, not CERTIFICATE`],
        ]);
        expect(fileOrTextProblems({ ...input, file: "~/gone.crt" }, reader)).toEqual([["registry.caPemPath", `file ${home}/gone.crt does not exist`]]);
        expect(fileOrTextProblems({ ...input, text: TEST_CA_PEM, file: "~/ca.crt" }, reader)).toEqual([["registry.caPem", "give registry.caPem or registry.caPemPath, not both"]]);
        expect(fileOrTextProblems({ ...input, text: "/etc/ca.crt" }, reader)[0][0]).toBe("registry.caPem");
        expect(fileOrTextValue(undefined, "~/ca.crt", reader.readFile)).toBe(TEST_CA_PEM);
        expect(fileOrTextValue("text", "~/ca.crt", reader.readFile)).toBe("text");
        expect(fileOrTextValue(undefined, undefined, reader.readFile)).toBeUndefined();
    });
});
