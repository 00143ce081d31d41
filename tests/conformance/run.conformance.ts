/**
 * The conformance run (tests/conformance/run.sh): the stacked lab topology (3 masters with
 * stacked etcd behind the haproxy + keepalived VIP, 2 workers, bridge pod network) plus lb1
 * holding the lab registry with the conformance images; `pulumi up` with the registry's CA for
 * containerd; e2e.test's [Conformance] specs through ginkgo; JUnit and summary into
 * ${CACHE}/logs/conformance/. Fails when any spec (or the suite) failed.
 */
import { Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nodesReady } from "../e2e/cluster";
import { CACHE, Inventory, labDown } from "../e2e/lab";
import { LabRegistry, startLabRegistry } from "../e2e/registry";
import { freshLab, labConfig, labStack, pulumiLog, timed } from "../e2e/stack";
import { selection } from "./ginkgo";
import { ConformanceTarget, pushConformanceImages, runConformance } from "./suite";
import { summarize, writeSummary } from "./summary";

const STACK = "e2e-conformance";
const VIP = "10.213.0.100";
const NODES = ["m1", "m2", "m3", "w1", "w2"];
const REGISTRY_HOST = "lb1";
const REGISTRY_ADDRESS = "10.213.0.41";
const REPORT_DIR = path.join(CACHE, "logs", "conformance");
const KEEP = process.env.HA_K8S_E2E_KEEP === "1";
const target = (): ConformanceTarget => ({ kubeconfigFile, registryServer: registry.server, registryCaPem: registry.caPem, reportDir: REPORT_DIR, tmp });

const t0 = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hak-conformance-"));
let inv: Inventory;
let stack: Stack;
let kubeconfigFile: string;
let registry: LabRegistry;
const log = (s: string) => process.stdout.write(`[conformance] ${s}\n`);

let summarized = false;
let setupError: unknown;
const sel = selection();

beforeAll(async () => {
    fs.rmSync(REPORT_DIR, { recursive: true, force: true });
    fs.mkdirSync(REPORT_DIR, { recursive: true }); // for a setup failure's summary
    try {
        await setUp();
    } catch (e) {
        setupError = e;
        throw e;
    }
});

/** Lab hosts, the registry with the images, `pulumi up`, nodes Ready. */
async function setUp(): Promise<void> {
    inv = freshLab(STACK, { masters: 3, workers: 2, lb: 1 });
    registry = startLabRegistry(inv, REGISTRY_HOST, REGISTRY_ADDRESS);
    // the conformance images, pushed from this machine over the lab bridge
    log(`images pushed to ${registry.server} in ${pushConformanceImages(target())}s`);
    const hosts = inv.hosts.filter((h) => h.name !== REGISTRY_HOST);
    stack = await labStack(STACK, labConfig({ ...inv, hosts }, { lbMode: "haproxy-keepalived", vip: VIP, registry: { server: registry.server, caPem: registry.caPem } }));
    const up = await timed(() => stack.up({ onOutput: pulumiLog(stack) }));
    log(`pulumi up ${up.seconds}s (output in ${path.join(CACHE, "logs", "e2e", `${STACK}.log`)})`);
    const kubeconfig = (await stack.outputs()).kubeconfig.value as string;
    kubeconfigFile = path.join(tmp, "admin.kubeconfig");
    fs.writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
    await nodesReady(kubeconfig, NODES);
}

afterAll(() => {
    if (!summarized) {
        // the specs never ran: say why in the summary too
        const why = setupError instanceof Error ? setupError.message : String(setupError ?? "the run stopped before the specs");
        writeSummary(REPORT_DIR, {
            ...summarize([], sel, Math.round((Date.now() - t0) / 1000)),
            failed: 1,
            failures: [
                {
                    name: setupError ? "setup (lab hosts, registry, pulumi up, nodes Ready)" : "the run",
                    phase: setupError ? "setup" : "run",
                    state: "failed",
                    firstLine: why.split("\n").find((l) => l.trim()) ?? why,
                },
            ],
        });
    }
    if (KEEP) {
        log(`HA_K8S_E2E_KEEP=1: hosts, stack ${STACK} and ${kubeconfigFile ?? tmp} kept`);
        return;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    labDown();
});

it("passes the selected [Conformance] specs", async () => {
    const summary = await runConformance(sel, target(), t0);
    summarized = true;
    if (summary.failed > 0) throw new Error(`${summary.failed} conformance failure(s): ${summary.failures.map((f) => f.name).join("; ")}`);
});
