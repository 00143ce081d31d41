/**
 * Runs e2e.test through ginkgo the way the Kubernetes conformance docs do: the parallel specs
 * first (`ginkgo -p`, [Serial] ones left out by their `Serial` label), then the [Serial] ones on
 * one process. Each phase writes `<reportDir>/junit_<phase>_01.xml` (e2e.test's --report-dir)
 * and its output to `<reportDir>/ginkgo-<phase>.log` as well as to this process's stdout.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Phase {
    readonly name: "parallel" | "serial";
    readonly procs: number;
    readonly labelFilter: string;
}

export interface RunOptions {
    /** Directory holding e2e.test and ginkgo (tests/conformance/build.sh --print-dir). */
    readonly binDir: string;
    readonly reportDir: string;
    /** Extra e2e.test flags: --kubeconfig, --provider, ... */
    readonly e2eFlags: string[];
    /** Environment of ginkgo (PATH with kubectl, KUBE_TEST_REPO_LIST). */
    readonly env: NodeJS.ProcessEnv;
    readonly dryRun?: boolean;
}

export interface PhaseResult {
    readonly phase: Phase;
    readonly exitCode: number;
    readonly seconds: number;
    /** The phase's JUnit file, when e2e.test wrote one. */
    readonly junit?: string;
}

/** What CONFORMANCE_FOCUS, CONFORMANCE_SKIP, CONFORMANCE_NODES and CONFORMANCE_TIMEOUT ask for. */
export function selection(env: NodeJS.ProcessEnv = process.env): { focus: string; skip: string; procs: number; timeout: string } {
    const procs = Number(env.CONFORMANCE_NODES ?? "3");
    if (!Number.isInteger(procs) || procs < 1) throw new Error(`CONFORMANCE_NODES must be a positive integer, not '${env.CONFORMANCE_NODES}'`);
    return { focus: env.CONFORMANCE_FOCUS || "\\[Conformance\\]", skip: env.CONFORMANCE_SKIP ?? "", procs, timeout: env.CONFORMANCE_TIMEOUT || "3h" };
}

/** The two phases; a dry run (listing) runs on one process, as ginkgo requires. */
export function phases(procs: number, dryRun = false): Phase[] {
    return [
        { name: "parallel", procs: dryRun ? 1 : procs, labelFilter: "!Serial" },
        { name: "serial", procs: 1, labelFilter: "Serial" },
    ];
}

export function ginkgoArgs(p: Phase, o: RunOptions, sel: { focus: string; skip: string; timeout: string } = selection()): string[] {
    return [
        ...(p.procs > 1 ? ["-p", `--procs=${p.procs}`] : []),
        `--focus=${sel.focus}`,
        ...(sel.skip ? [`--skip=${sel.skip}`] : []),
        `--label-filter=${p.labelFilter}`,
        `--timeout=${sel.timeout}`,
        "--no-color",
        "--silence-skips",
        ...(o.dryRun ? ["--dry-run"] : []),
        path.join(o.binDir, "e2e.test"),
        "--",
        ...o.e2eFlags,
        `--report-dir=${o.reportDir}`,
        `--report-prefix=${p.name}_`,
    ];
}

export function junitFile(reportDir: string, p: Phase): string {
    return path.join(reportDir, `junit_${p.name}_01.xml`);
}

/** Runs one phase to its end; its output goes to stdout and to ginkgo-<phase>.log. */
export async function runPhase(p: Phase, o: RunOptions, quiet = false, sel: { focus: string; skip: string; timeout: string } = selection()): Promise<PhaseResult> {
    fs.mkdirSync(o.reportDir, { recursive: true });
    const junit = junitFile(o.reportDir, p);
    fs.rmSync(junit, { force: true });
    const log = fs.createWriteStream(path.join(o.reportDir, `ginkgo-${p.name}.log`));
    const args = ginkgoArgs(p, o, sel);
    const t0 = Date.now();
    const exitCode = await new Promise<number>((resolve, reject) => {
        const child = spawn(path.join(o.binDir, "ginkgo"), args, { env: o.env, stdio: ["ignore", "pipe", "pipe"] });
        const out = (d: Buffer) => {
            log.write(d);
            if (!quiet) process.stdout.write(d);
        };
        child.stdout.on("data", out);
        child.stderr.on("data", out);
        child.on("error", reject);
        child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    await new Promise((r) => log.end(r));
    return { phase: p, exitCode, seconds: Math.round((Date.now() - t0) / 1000), junit: fs.existsSync(junit) ? junit : undefined };
}
