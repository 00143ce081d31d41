/**
 * Runs a selection of the conformance specs against a running lab cluster: pushes the
 * conformance images (tests/conformance/images.sh) into a lab registry, points e2e.test at it
 * with KUBE_TEST_REPO_LIST, runs the parallel then the serial phase, and writes the JUnit files
 * and summary.md/json into `reportDir`. Used by `npm run conformance` (the whole suite) and by
 * the stacked e2e suite (CI_SUBSET).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { assertLabNetwork, ROOT } from "../e2e/lab";
import { bundleDir } from "../e2e/stack";
import { phases, PhaseResult, runPhase, SpecSelection } from "./ginkgo";
import { summarize, Summary, writeSummary } from "./summary";

/**
 * The conformance specs CI runs on the stacked lab cluster (about 5 minutes on 3 processes; each
 * phase stops after 20 minutes, well inside the e2e test's own timeout):
 * cluster DNS, Services, the API's proxy, admission webhooks, the aggregator (sample-apiserver),
 * kubectl (client, logs) and exec/logs over websockets.
 *
 * A failed spec gets a second attempt (flakeAttempts 2, as Kubernetes' own CI allows with
 * GINKGO_TOLERATE_FLAKES): on the 2-core CI machine seven lab hosts, three etcd members and three
 * apiservers share the CPU with three ginkgo processes, and a spec's fixed 30-second wait (a
 * deleted CRD leaving discovery) has run out in one CI run so far. A spec
 * that fails twice fails the suite; one that passed on its retry is listed in the summary and the
 * suite's report. The whole suite (`npm run conformance`) runs each spec once.
 */
export const CI_SUBSET = {
    focus: [
        "\\[sig-network\\].*(DNS|Services|Proxy).*\\[Conformance\\]",
        "AdmissionWebhook.*\\[Conformance\\]",
        "Aggregator.*\\[Conformance\\]",
        "Kubectl (client|logs).*\\[Conformance\\]",
        "\\[sig-node\\] Pods should support (remote command execution|retrieving logs from the container) over websockets.*\\[Conformance\\]",
    ].join("|"),
    skip: "",
    procs: 3,
    timeout: "20m",
    flakeAttempts: 2,
} as const;

export interface Selection extends SpecSelection {
    readonly procs: number;
}

export interface ConformanceTarget {
    /** Admin kubeconfig file of the cluster. */
    readonly kubeconfigFile: string;
    /** The lab registry (`host:port`) and its CA (PEM) the nodes trust. */
    readonly registryServer: string;
    readonly registryCaPem: string;
    /** Where JUnit, ginkgo output and the summary go (emptied first). */
    readonly reportDir: string;
    /** Scratch directory (repo list, CA file). */
    readonly tmp: string;
}

const script = (name: string, ...args: string[]) => execFileSync("bash", [path.join(ROOT, "tests", "conformance", name), ...args], { encoding: "utf8" }).trim();

/** Pushes the conformance images into the registry; returns the seconds it took. */
export function pushConformanceImages(t: ConformanceTarget): number {
    const ca = path.join(t.tmp, "registry-ca.crt");
    fs.writeFileSync(ca, t.registryCaPem);
    assertLabNetwork();
    const t0 = Date.now();
    execFileSync("bash", [path.join(ROOT, "tests", "conformance", "push.sh"), script("images.sh", "--print-dir"), t.registryServer, ca], {
        stdio: ["ignore", "ignore", "inherit"],
    });
    return Math.round((Date.now() - t0) / 100) / 10;
}

/**
 * Waits for a build that tests/e2e/build.sh runs in the background, whose exit-status file
 * tests/e2e/run.sh names in the environment variable `rcVar` (without it there is nothing to wait
 * for), and fails with the end of its log when it failed. Returns the seconds waited.
 */
export async function awaitBackgroundBuild(what: string, rcVar: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 75 * 60_000, everyMs = 5_000): Promise<number> {
    const rcFile = env[rcVar];
    if (!rcFile) return 0;
    const t0 = Date.now();
    while (!fs.existsSync(rcFile)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`${what} did not end within ${timeoutMs / 60_000} min`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
    const rc = fs.readFileSync(rcFile, "utf8").trim();
    if (rc !== "0") {
        const logFile = path.join(path.dirname(rcFile), "background-build.log");
        const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n") : "(no log)";
        throw new Error(`${what} failed (exit ${rc}):\n${tail}`);
    }
    return Math.round((Date.now() - t0) / 1000);
}

/** Waits for the conformance build (tests/conformance/build.sh, images.sh) behind the suites. */
export const awaitConformanceBuild = (env: NodeJS.ProcessEnv = process.env, timeoutMs?: number, everyMs?: number): Promise<number> =>
    awaitBackgroundBuild("the conformance build (tests/conformance/build.sh, images.sh)", "HA_K8S_CONFORMANCE_BUILD", env, timeoutMs, everyMs);

/** Runs both phases of `sel` against the cluster; writes and returns the summary. */
export async function runConformance(sel: Selection, t: ConformanceTarget, startedAt: number, quiet = false): Promise<Summary> {
    fs.rmSync(t.reportDir, { recursive: true, force: true });
    fs.mkdirSync(t.reportDir, { recursive: true });
    const repoList = path.join(t.tmp, "repo-list.yaml");
    fs.writeFileSync(repoList, script("repo-list.sh", t.registryServer) + "\n");
    const opts = {
        binDir: script("build.sh", "--print-dir"),
        reportDir: t.reportDir,
        e2eFlags: [`--kubeconfig=${t.kubeconfigFile}`, "--provider=skeleton"],
        env: { ...process.env, PATH: `${bundleDir()}:${process.env.PATH}`, KUBE_TEST_REPO_LIST: repoList },
    };
    const results: PhaseResult[] = [];
    for (const p of phases(sel.procs)) {
        assertLabNetwork();
        if (!quiet)
            process.stdout.write(
                `[conformance] ${p.name} phase: ${p.procs} process(es), focus ${sel.focus}${sel.skip ? `, skip ${sel.skip}` : ""}, label filter ${p.labelFilter}, timeout ${sel.timeout}\n`,
            );
        results.push(await runPhase(p, opts, quiet, sel));
    }
    const summary = summarize(results, sel, Math.round((Date.now() - startedAt) / 1000));
    writeSummary(t.reportDir, summary);
    return summary;
}
