import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Every shell script of the project (the lab's, the tests', the examples'), shellchecked as it is. */
const ROOT = path.resolve(__dirname, "../..");
const SKIP = new Set(["node_modules", "bin", ".git"]);

function scripts(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (SKIP.has(e.name)) return [];
        const p = path.join(dir, e.name);
        return e.isDirectory() ? scripts(p) : e.name.endsWith(".sh") ? [p] : [];
    });
}

describe("shell scripts", () => {
    const files = scripts(ROOT)
        .map((f) => path.relative(ROOT, f))
        .sort();

    it("are found (the lab's, the tests' and the examples')", () => {
        expect(files).toEqual(expect.arrayContaining(["tests/run.sh", "tests/lab/lab.sh", "tests/lab/hosts/lab-cgroups.sh", "tests/e2e/build.sh", "examples/fetch-release.sh"]));
    });

    it.each(files)("%s passes shellcheck", (file) => {
        // from the script's own directory, so that its `source` directives resolve
        const r = spawnSync("shellcheck", ["-x", path.basename(file)], { cwd: path.join(ROOT, path.dirname(file)), encoding: "utf8" });
        if (r.error) throw new Error(`shellcheck could not run (tests/run.sh installs it): ${r.error.message}`);
        expect(r.stdout + r.stderr).toBe("");
        expect(r.status).toBe(0);
    });
});
