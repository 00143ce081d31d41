/**
 * The conformance driver's pure parts: the ginkgo command line a selection gives and the summary
 * of a run's JUnit and JSON reports (failed, passed, and passed only on a retry).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ginkgoArgs, Phase, PhaseResult, selection } from "../conformance/ginkgo";
import { CI_SUBSET } from "../conformance/suite";
import { markdown, parseFlaked, summarize } from "../conformance/summary";

const parallel: Phase = { name: "parallel", procs: 3, labelFilter: "!Serial" };
const opts = { binDir: "/bin-dir", reportDir: "/reports", e2eFlags: ["--provider=skeleton"], env: {} };

describe("ginkgo command line", () => {
    it("runs each spec once unless flake attempts are asked for", () => {
        const args = ginkgoArgs(parallel, opts, selection({}));
        expect(args.some((a) => a.startsWith("--flake-attempts"))).toBe(false);
        expect(args).toContain("--json-report=/reports/ginkgo_parallel.json");
        // ginkgo's flags before the test binary, e2e.test's after "--"
        expect(args.indexOf("--json-report=/reports/ginkgo_parallel.json")).toBeLessThan(args.indexOf("/bin-dir/e2e.test"));
    });

    it("gives the CI subset a second attempt per spec, and takes CONFORMANCE_FLAKE_ATTEMPTS", () => {
        expect(ginkgoArgs(parallel, opts, CI_SUBSET)).toContain("--flake-attempts=2");
        expect(ginkgoArgs(parallel, opts, selection({ CONFORMANCE_FLAKE_ATTEMPTS: "3" }))).toContain("--flake-attempts=3");
        expect(() => selection({ CONFORMANCE_FLAKE_ATTEMPTS: "0" })).toThrow(/CONFORMANCE_FLAKE_ATTEMPTS must be a positive integer/);
        expect(() => selection({ CONFORMANCE_NODES: "two" })).toThrow(/CONFORMANCE_NODES/);
    });
});

/** A ginkgo JSON report entry, as `ginkgo --json-report` writes it. */
const spec = (leaf: string, state: string, attempts: number, attemptFailure?: string) => ({
    ContainerHierarchyTexts: ["[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin]"],
    LeafNodeText: leaf,
    LeafNodeType: "It",
    State: state,
    NumAttempts: attempts,
    MaxFlakeAttempts: 2,
    AdditionalFailures: attemptFailure ? [{ State: "failed", Failure: { Message: `Failure recorded during attempt 1:\n${attemptFailure}\nmore` } }] : null,
});

const junit = (cases: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="Kubernetes e2e suite">${cases}</testsuite></testsuites>\n`;
const junitCase = (name: string, status: string, body = "") => `<testcase name="[It] ${name}" classname="Kubernetes e2e suite" status="${status}" time="1.5">${body}</testcase>`;

describe("conformance summary", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-conf-summary-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("lists a spec that passed on its second attempt as flaked, with the failed attempt's first line", () => {
        const flaked = parseFlaked(
            JSON.stringify([
                {
                    SpecReports: [
                        spec(
                            "should mutate custom resource with different stored version [Conformance]",
                            "passed",
                            2,
                            "failed to delete CustomResourceDefinition(x): context deadline exceeded",
                        ),
                        spec("should deny crd creation [Conformance]", "passed", 1),
                        spec("fails twice [Conformance]", "failed", 2, "boom"),
                        { ...spec("", "passed", 2, "suite node"), LeafNodeType: "SynchronizedBeforeSuite" },
                    ],
                },
            ]),
            "parallel",
        );
        expect(flaked).toEqual([
            {
                name: "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate custom resource with different stored version [Conformance]",
                phase: "parallel",
                state: "passed on attempt 2",
                firstLine: "failed to delete CustomResourceDefinition(x): context deadline exceeded",
            },
        ]);
    });

    it("counts flaked specs as passed, fails on a spec that failed every attempt, and says both in summary.md", () => {
        const j = path.join(dir, "junit_parallel_01.xml");
        fs.writeFileSync(
            j,
            junit(
                [
                    junitCase("A flaky spec [Conformance]", "passed"),
                    junitCase("A good spec [Conformance]", "passed"),
                    junitCase("A broken spec [Conformance]", "failed", `<failure message="[FAILED] it broke" type="failed">[FAILED] it broke\nstack</failure>`),
                    junitCase("Not selected", "skipped", `<skipped message="skipped"></skipped>`),
                ].join(""),
            ),
        );
        const jsonReport = path.join(dir, "ginkgo_parallel.json");
        fs.writeFileSync(
            jsonReport,
            JSON.stringify([
                {
                    SpecReports: [
                        { ...spec("A flaky spec [Conformance]", "passed", 2, "[FAILED] timed out"), ContainerHierarchyTexts: null },
                        { ...spec("A good spec [Conformance]", "passed", 1), ContainerHierarchyTexts: null },
                        { ...spec("A broken spec [Conformance]", "failed", 2, "[FAILED] it broke"), ContainerHierarchyTexts: null },
                    ],
                },
            ]),
        );
        const results: PhaseResult[] = [{ phase: parallel, exitCode: 1, seconds: 10, junit: j, jsonReport }];
        const s = summarize(results, { focus: "x", skip: "" }, 20);
        expect(s.passed).toBe(2);
        expect(s.failed).toBe(1);
        expect(s.failures.map((f) => f.name)).toEqual(["A broken spec [Conformance]"]);
        expect(s.flaked).toEqual([{ name: "A flaky spec [Conformance]", phase: "parallel", state: "passed on attempt 2", firstLine: "[FAILED] timed out" }]);
        const md = markdown(s);
        expect(md).toContain("## Flaked: failed, then passed on a retry\n\n- A flaky spec [Conformance] (parallel, passed on attempt 2): [FAILED] timed out");
        expect(md).toContain("## Failures\n\n- A broken spec [Conformance] (parallel, failed): [FAILED] it broke");
    });

    it("has no flaked list without a JSON report", () => {
        const j = path.join(dir, "junit_parallel_01.xml");
        fs.writeFileSync(j, junit(junitCase("A good spec [Conformance]", "passed")));
        const s = summarize([{ phase: parallel, exitCode: 0, seconds: 1, junit: j }], { focus: "x", skip: "" }, 2);
        expect(s).toMatchObject({ passed: 1, failed: 0, flaked: [] });
        expect(markdown(s)).not.toContain("Flaked");
    });
});
