import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderEtcdRestoreScript } from "../../../components/render/etcdRestore";

describe("renderEtcdRestoreScript", () => {
    const script = renderEtcdRestoreScript();

    it("matches the snapshot", () => {
        expect(script).toMatchSnapshot();
    });

    it("is valid sh, checks before it changes anything, and keeps the old data directory", () => {
        expect(spawnSync("sh", ["-n"], { input: script }).status).toBe(0);
        const at = (s: string) => script.indexOf(s);
        expect(at("systemctl is-active --quiet etcd")).toBeLessThan(at("snapshot restore"));
        expect(at("snapshot status")).toBeLessThan(at("snapshot restore"));
        expect(at("snapshot restore")).toBeLessThan(at('mv -- "$data" "$data.before-restore-'));
        expect(script).toContain("/usr/local/bin/etcdutl snapshot restore");
    });

    it("refuses wrong usage and a member missing from the initial cluster, touching nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-"));
        try {
            const file = path.join(dir, "restore.sh");
            fs.writeFileSync(file, script, { mode: 0o755 });
            expect(spawnSync("sh", [file]).status).toBe(2);
            const r = spawnSync("sh", [file, path.join(dir, "missing.db"), "e1=https://10.0.0.1:2380"], { encoding: "utf8" });
            expect(r.status).toBe(1);
            expect(r.stderr).toContain("no snapshot at");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
