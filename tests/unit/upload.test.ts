import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { placeUploadScript, stageUploadScript, UPLOAD_DIR } from "../../components/upload";

const sh = (script: string) => spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });

describe("uploads by a login user other than root", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-upload-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("stages into the user's own directory only with become; without it, the mkdir of before", () => {
        expect(stageUploadScript("/var/lib/ha-kubernetes/artifacts/kubelet-0123", false)).toBe("mkdir -p '/var/lib/ha-kubernetes/artifacts'");
        expect(stageUploadScript("/var/lib/ha-kubernetes/artifacts/kubelet-0123", true)).toBe(
            `set -eu\nmkdir -p '/var/lib/ha-kubernetes/artifacts'\ninstall -d -m 0700 -o "\${SUDO_USER:?}" '${UPLOAD_DIR}'`,
        );
    });

    it("moves the upload into place as a root-owned 0600 file; a re-run only checks; a wrong file fails naming host and path", () => {
        const uploaded = path.join(dir, "upload");
        const remotePath = path.join(dir, "staged", "kubelet");
        fs.mkdirSync(path.dirname(remotePath));
        fs.writeFileSync(uploaded, "binary", { mode: 0o644 });
        const script = placeUploadScript({ uploaded, remotePath, sha256: createHash("sha256").update("binary").digest("hex"), host: "w1" });
        expect(sh(script).status).toBe(0);
        expect(fs.readFileSync(remotePath, "utf8")).toBe("binary");
        expect(fs.statSync(remotePath).mode & 0o777).toBe(0o600);
        expect(fs.statSync(remotePath).uid).toBe(0);
        expect(fs.existsSync(uploaded)).toBe(false);
        expect(fs.readdirSync(path.dirname(remotePath))).toEqual(["kubelet"]);
        expect(sh(script).status).toBe(0);
        fs.writeFileSync(remotePath, "tampered");
        const r = sh(script);
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`ha-kubernetes: ${remotePath} on w1 is not the uploaded file\n`);
    });
});
