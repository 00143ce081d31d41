/**
 * `tests/conformance/run.sh --list`: which specs CONFORMANCE_FOCUS / CONFORMANCE_SKIP select, in
 * which phase (ginkgo --dry-run; no lab, no cluster: nothing is contacted).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../e2e/lab";
import { phases, runPhase, selection } from "./ginkgo";
import { parseJUnit } from "./summary";

it("lists the selected specs", async () => {
    const sel = selection();
    const binDir = execFileSync("bash", [path.join(ROOT, "tests", "conformance", "build.sh"), "--print-dir"], { encoding: "utf8" }).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-conformance-list-"));
    try {
        const out: string[] = [];
        for (const p of phases(sel.procs, true)) {
            const r = await runPhase(p, { binDir, reportDir: dir, e2eFlags: ["--provider=skeleton"], env: process.env, dryRun: true }, true);
            if (r.exitCode !== 0 || !r.junit)
                throw new Error(`ginkgo --dry-run (${p.name}) exited ${r.exitCode}: ${fs.readFileSync(path.join(dir, `ginkgo-${p.name}.log`), "utf8").slice(-2000)}`);
            const specs = parseJUnit(fs.readFileSync(r.junit, "utf8"))
                .filter((c) => c.name.startsWith("[It] ") && c.state === "passed")
                .map((c) => c.name.slice(5))
                .sort();
            out.push(`${p.name} phase (${p.name === "parallel" ? `${sel.procs} processes` : "1 process"}): ${specs.length} specs`, ...specs.map((s) => `  ${s}`));
        }
        process.stdout.write(`focus ${sel.focus}${sel.skip ? `, skip ${sel.skip}` : ""}\n${out.join("\n")}\n`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
