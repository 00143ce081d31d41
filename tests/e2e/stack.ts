import { ConfigMap, EngineEvent, LocalWorkspace, PreviewResult, Stack, UpResult } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CACHE, Inventory, LabShape, labDown, labUp, ROOT } from "./lab";

/** Pinned versions and where the lab's binaries and images are. */
export function labVersions(): { kubernetes: string; etcd: string } {
    const env = fs.readFileSync(path.join(ROOT, "tests", "lab", "versions.env"), "utf8");
    const get = (k: string) => {
        const m = new RegExp(`^${k}=["']?([^"'\\n]+)`, "m").exec(env);
        if (!m) throw new Error(`${k} missing from tests/lab/versions.env`);
        return m[1];
    };
    return { kubernetes: get("KUBERNETES_VERSION"), etcd: get("ETCD_VERSION") };
}

export function bundleDir(): string {
    return execFileSync("bash", [path.join(ROOT, "tests", "lab", "binaries.sh"), "--print-dir"], { encoding: "utf8" }).trim();
}

export interface TopologyOptions {
    readonly lbMode: "haproxy-keepalived" | "nginx" | "external";
    readonly etcdTopology?: "stacked" | "dedicated";
    readonly podNetwork?: "bridge" | "flannel";
    readonly flannelBackend?: "vxlan" | "host-gw";
    /** Hosts with these roles take part, by lab role. */
    readonly vip?: string;
    readonly externalAddress?: string;
    readonly registry?: Record<string, unknown>;
    readonly registryPassword?: string;
    readonly artifacts?: Record<string, unknown>;
    readonly extra?: Record<string, unknown>;
    /** Image archives imported on every node. Default: the lab's pause, CoreDNS and testapp (and metrics-server with it). */
    readonly imageArchives?: string[];
    /** Deploy metrics-server (addons.metricsServer) from the lab's image. Default false. */
    readonly metricsServer?: boolean;
    /** nodes.extraHosts: names the nodes resolve through ha-kubernetes' block in /etc/hosts. Default none. */
    readonly extraHosts?: ReadonlyArray<{ address: string; names: string[] }>;
    /** How the product logs in (ssh.user, ssh.become). Default: the harness's user, root. */
    readonly login?: { readonly user: string; readonly become?: "sudo" };
}

/**
 * The lab's image repository (addons.imageRepository): tests/lab/images.sh builds the add-on
 * images from their Go modules under it, as <repository>/coredns/coredns:v1.13.1 and
 * <repository>/metrics-server/metrics-server:v0.8.0, imported on the nodes from archives.
 */
export const LAB_IMAGE_REPOSITORY = "ha-kubernetes.local";

/** The lab's image archives (tests/lab/images.sh), by name: pause, coredns, testapp, metrics-server. */
export function labImageArchives(names: string[] = ["pause", "coredns", "testapp"]): string[] {
    return names.map((n) => path.join(CACHE, "artifacts", "images", `${n}.tar`));
}

/** Stack configuration for the lab hosts in `inv`. */
export function labConfig(inv: Inventory, t: TopologyOptions): ConfigMap {
    const hosts = inv.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        roles: h.roles,
        // Each lab host has its own cgroup subtree (see lab.sh): pods go under /<host> (masters are nodes too).
        ...(h.roles.includes("worker") || h.roles.includes("master") ? { kubeletExtraConfig: { cgroupRoot: `/${h.name}` } } : {}),
    }));
    const json = (v: unknown) => ({ value: JSON.stringify(v) });
    const cfg: ConfigMap = {
        "ha-kubernetes:clusterName": { value: "lab" },
        "ha-kubernetes:hosts": json(hosts),
        "ha-kubernetes:ssh": json({ user: t.login?.user ?? inv.sshUser, ...(t.login?.become ? { become: t.login.become } : {}), privateKeyPath: inv.sshPrivateKeyPath }),
        "ha-kubernetes:versions": json(labVersions()),
        "ha-kubernetes:network": json({ hostCidr: inv.subnet, podNetwork: t.podNetwork ?? "bridge", flannelBackend: t.flannelBackend }),
        "ha-kubernetes:loadBalancer": json({ mode: t.lbMode, vip: t.vip, address: t.externalAddress, interface: "host0", maxConnections: 4000 }),
        "ha-kubernetes:etcd": json({ topology: t.etcdTopology ?? "stacked" }),
        "ha-kubernetes:artifacts": json(t.artifacts ?? { source: "local", directory: bundleDir() }),
        // the hosts are minimal Debian servers: what the product installs comes from the lab's mirror
        "ha-kubernetes:packages": json({ source: "mirror", url: inv.packageMirror, signedByPath: inv.packageMirrorKey }),
        "ha-kubernetes:nodes": json({
            ...labNodeSettings(),
            imageArchives: t.imageArchives ?? labImageArchives(["pause", "coredns", "testapp", ...(t.metricsServer ? ["metrics-server"] : [])]),
            ...(t.extraHosts ? { extraHosts: t.extraHosts } : {}),
        }),
        // the lab hosts have no DNS of their own: cluster names only
        "ha-kubernetes:addons": json({ imageRepository: LAB_IMAGE_REPOSITORY, coredns: { upstreams: [] }, ...(t.metricsServer ? { metricsServer: true } : {}) }),
        ...Object.fromEntries(Object.entries(t.extra ?? {}).map(([k, v]) => [`ha-kubernetes:${k}`, json(v)])),
    };
    if (t.registry) cfg["ha-kubernetes:registry"] = json(t.registry);
    if (t.registryPassword) cfg["ha-kubernetes:registryPassword"] = { value: t.registryPassword, secret: true };
    return cfg;
}

/**
 * Node settings the nspawn lab hosts need: cgroup v1 with the cgroupfs driver (systemd inside the
 * container cannot delegate v1 controllers), no conntrack sysctl writes, the lab's pause image.
 */
export function labNodeSettings(): Record<string, unknown> {
    return {
        cgroupDriver: "cgroupfs",
        conntrackMaxPerCore: 0,
        sandboxImage: "ha-kubernetes.local/pause:3.10",
        restrictOomScoreAdj: true,
        kubeletExtraConfig: { failCgroupV1: false, failSwapOn: false },
    };
}

/** Where a suite's `pulumi` output goes (kept out of the test output; printed for failures). */
export function pulumiLogFile(stackName: string): string {
    return path.join(CACHE, "logs", "e2e", `${stackName}.log`);
}

/** An `onOutput` that appends a stack's pulumi output to its log file. */
export function pulumiLog(stack: Stack): (s: string) => void {
    const file = pulumiLogFile(stack.name);
    return (s) => fs.appendFileSync(file, s);
}

/** Each suite keeps its state in a file backend of its own, under the lab cache. */
function stateDir(stackName: string): string {
    return path.join(CACHE, "e2e-state", stackName);
}

/**
 * The engine's environment for a suite's stack. Two settings spare CPU the suites would
 * otherwise spend on the engine rather than the hosts, neither changing what is deployed:
 * - PULUMI_NODEJS_TRANSPILE_ONLY: the program is not type-checked again at every `up`,
 *   `preview`, `refresh` and `destroy` (`npm run build` type-checked it before the suites);
 * - PULUMI_SKIP_CHECKPOINTS: the state file is written at the end of each operation, not after
 *   every resource step (a lab stack's state is several MB, written hundreds of times per `up`).
 *   HA_K8S_E2E_CHECKPOINTS=1 keeps the engine's default (every step), e.g. for interrupted runs.
 */
export function stackEnv(stackName: string): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${stateDir(stackName)}`,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "ha-kubernetes-lab",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        ...(process.env.HA_K8S_E2E_CHECKPOINTS === "1" ? {} : { PULUMI_SKIP_CHECKPOINTS: "true" }),
    };
}

/**
 * Sets a secret config value as README "On your own hosts" tells users to: `pulumi config set
 * --secret KEY < FILE`, the value on stdin (never on a command line).
 */
export function setSecretFromFile(stack: Stack, key: string, file: string): void {
    execFileSync("pulumi", ["config", "set", "--secret", "--stack", stack.name, key], {
        cwd: ROOT,
        input: fs.readFileSync(file),
        env: { ...process.env, ...stackEnv(stack.name) },
        stdio: ["pipe", "ignore", "inherit"],
    });
}

/** A stack of the repository's own program with its suite's file backend. */
export async function labStack(name: string, config: ConfigMap): Promise<Stack> {
    fs.mkdirSync(stateDir(name), { recursive: true });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: ROOT }, { envVars: stackEnv(name) });
    await stack.setAllConfig(config);
    return stack;
}

/**
 * Starts a suite from nothing: removes any lab hosts and whatever state a crashed earlier run of
 * this suite left behind (its hosts are gone, so that state describes nothing), then boots hosts
 * of this shape.
 */
export function freshLab(stackName: string, shape: LabShape): Inventory {
    labDown();
    fs.rmSync(stateDir(stackName), { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    fs.mkdirSync(path.dirname(pulumiLogFile(stackName)), { recursive: true });
    fs.writeFileSync(pulumiLogFile(stackName), "");
    return labUp(shape);
}

/** Counts of each operation in an update's summary, without `same`. */
export function changes(r: UpResult): Record<string, number> {
    const c = { ...(r.summary.resourceChanges ?? {}) } as Record<string, number>;
    delete c.same;
    delete c.read; // the program reading its own last outputs (index.ts): no change
    return c;
}

/** What `pulumi preview` would change, without `same`. */
export async function previewChanges(stack: Stack): Promise<Record<string, number>> {
    const c = { ...(await stack.preview()).changeSummary } as Record<string, number>;
    delete c.same;
    delete c.read; // the program reading its own last outputs (index.ts): no change
    return c;
}

/** `pulumi up`, collecting which resources it changed, by name and operation. */
export async function upRecording(stack: Stack): Promise<{ result: UpResult; changed: Record<string, string>; replaced: string[] }> {
    const changed: Record<string, string> = {};
    const replaced = new Set<string>();
    const result = await stack.up({
        onOutput: pulumiLog(stack),
        onEvent: (e) => {
            const m = e.resOutputsEvent?.metadata;
            // resources only: a provider registered for new resources (pulumi:providers:*) is no change on a host
            if (m && m.op !== "same" && m.op !== "read" && !m.type.startsWith("pulumi:providers:")) changed[m.urn.split("::").pop()!] = m.op;
            recordReplacement(e, replaced);
        },
    });
    return { result, changed, replaced: [...replaced].sort() };
}

/** The steps of an engine event that replace a resource (by name) go into `replaced`. */
function recordReplacement(e: EngineEvent, replaced: Set<string>): void {
    const m = e.resourcePreEvent?.metadata;
    if (m && ["replace", "create-replacement"].includes(m.op) && !m.type.startsWith("pulumi:providers:")) replaced.add(m.urn.split("::").pop()!);
}

/** `pulumi preview --diff`, and the resources it reports as replaced (by name, sorted). */
export async function previewRecording(stack: Stack): Promise<{ result: PreviewResult; replaced: string[] }> {
    const replaced = new Set<string>();
    const result = await stack.preview({ diff: true, onOutput: pulumiLog(stack), onEvent: (e) => recordReplacement(e, replaced) });
    return { result, replaced: [...replaced].sort() };
}

/** Seconds `fn` took, and its result. */
/**
 * CPU seconds this process and its reaped children used so far (/proc/self/stat utime, stime,
 * cutime, cstime): around a `pulumi` operation of the automation API, the engine's CPU — the CLI,
 * the language host, the plugins — as each CLI run is reaped when it ends.
 */
export function cpuSeconds(): number {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

/** Runs `fn`; its wall time and the CPU this process tree used meanwhile (see cpuSeconds), in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; cpu: number; result: T }> {
    const t0 = Date.now();
    const c0 = cpuSeconds();
    const result = await fn();
    return { seconds: Math.round((Date.now() - t0) / 100) / 10, cpu: Math.round(cpuSeconds() - c0), result };
}
