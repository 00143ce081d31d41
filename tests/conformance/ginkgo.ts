/**
 * Runs e2e.test through ginkgo the way the Kubernetes conformance docs do: the parallel specs
 * first (`ginkgo -p`, [Serial] ones left out by their `Serial` label), then the [Serial] ones on
 * one process. Each phase writes `<reportDir>/junit_<phase>_01.xml` (e2e.test's --report-dir),
 * `<reportDir>/ginkgo_<phase>.json` (ginkgo's own report, which counts each spec's attempts) and
 * its output to `<reportDir>/ginkgo-<phase>.log` as well as to this process's stdout.
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
    /** ginkgo's JSON report of the phase (attempts per spec), when ginkgo wrote one. */
    readonly jsonReport?: string;
}

/** Which specs run, on how many processes, for how long, and how often a failed spec is tried. */
export interface SpecSelection {
    readonly focus: string;
    readonly skip: string;
    readonly timeout: string;
    /**
     * Attempts per spec (ginkgo --flake-attempts); default 1, each spec runs once. With 2, a spec
     * that fails and then passes counts as passed and is reported as flaked; one that fails twice
     * fails.
     */
    readonly flakeAttempts?: number;
}

const positiveInteger = (name: string, value: string | undefined, dflt: number): number => {
    const n = Number(value ?? String(dflt));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not '${value}'`);
    return n;
};

/** What CONFORMANCE_FOCUS, CONFORMANCE_SKIP, CONFORMANCE_NODES, CONFORMANCE_TIMEOUT and CONFORMANCE_FLAKE_ATTEMPTS ask for. */
export function selection(env: NodeJS.ProcessEnv = process.env): SpecSelection & { procs: number } {
    return {
        focus: env.CONFORMANCE_FOCUS || "\\[Conformance\\]",
        skip: env.CONFORMANCE_SKIP ?? "",
        procs: positiveInteger("CONFORMANCE_NODES", env.CONFORMANCE_NODES, 3),
        timeout: env.CONFORMANCE_TIMEOUT || "3h",
        flakeAttempts: positiveInteger("CONFORMANCE_FLAKE_ATTEMPTS", env.CONFORMANCE_FLAKE_ATTEMPTS, 1),
    };
}

/** The two phases; a dry run (listing) runs on one process, as ginkgo requires. */
export function phases(procs: number, dryRun = false): Phase[] {
    return [
        { name: "parallel", procs: dryRun ? 1 : procs, labelFilter: "!Serial" },
        { name: "serial", procs: 1, labelFilter: "Serial" },
    ];
}

export function ginkgoArgs(p: Phase, o: RunOptions, sel: SpecSelection = selection()): string[] {
    return [
        ...(p.procs > 1 ? ["-p", `--procs=${p.procs}`] : []),
        `--focus=${sel.focus}`,
        ...(sel.skip ? [`--skip=${sel.skip}`] : []),
        `--label-filter=${p.labelFilter}`,
        `--timeout=${sel.timeout}`,
        ...((sel.flakeAttempts ?? 1) > 1 ? [`--flake-attempts=${sel.flakeAttempts}`] : []),
        "--no-color",
        "--silence-skips",
        `--json-report=${jsonReportFile(o.reportDir, p)}`,
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

export function jsonReportFile(reportDir: string, p: Phase): string {
    return path.join(reportDir, `ginkgo_${p.name}.json`);
}

/** Runs one phase to its end; its output goes to stdout and to ginkgo-<phase>.log. */
export async function runPhase(p: Phase, o: RunOptions, quiet = false, sel: SpecSelection = selection()): Promise<PhaseResult> {
    fs.mkdirSync(o.reportDir, { recursive: true });
    const junit = junitFile(o.reportDir, p);
    const jsonReport = jsonReportFile(o.reportDir, p);
    for (const f of [junit, jsonReport]) fs.rmSync(f, { force: true });
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
    return {
        phase: p,
        exitCode,
        seconds: Math.round((Date.now() - t0) / 1000),
        junit: fs.existsSync(junit) ? junit : undefined,
        jsonReport: fs.existsSync(jsonReport) ? jsonReport : undefined,
    };
}
