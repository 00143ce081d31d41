import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, Recorded, SECRET_MARK, settle } from "./mocks";
import { baseCluster, TEST_CA_PEM } from "./fixtures";
import { liveOccurrences } from "./shellScanner";
import { shellTexts } from "./providerScripts";
import { ArtifactSource, ensurePackagesScript, installBinaryScript, removePackagesScript } from "../../components/artifacts";
import { apiServiceGateScript, rolloutGateScript } from "../../components/addons";
import { ClusterPki } from "../../components/clusterPki";
import { clusterHosts } from "../../components/connection";
import { ControlPlane } from "../../components/controlPlane";
import { EtcdCluster, etcdctlCommand, snapshotScript } from "../../components/etcdCluster";
import { LoadBalancer, tcpCheck } from "../../components/loadBalancer";
import { deleteFileScript, restartAndWaitScript, waitScript, writeFileScript } from "../../components/remote";
import { importImagesScript, WorkerPool } from "../../components/workerPool";
import { PATHS } from "../../components/render/paths";
import { readConfigScript, rewriteScript, stageScript } from "../../providers/encryptionRotation";
import { staleDataScript } from "../../providers/etcdJoin";
import { memberAddScript } from "../../providers/etcdMembers";
import { newestSnapshotScript } from "../../providers/etcdSnapshotCopy";
import { applyScript, deleteScript, observeScript } from "../../providers/kubernetesObject";
import { statScript } from "../../providers/managedFile";
import { disableScript, enableScript, repairScript, statusScript } from "../../providers/managedService";
import { restartDrainScript } from "../../providers/nodeDrain";
import { drainScript, readyScript } from "../../providers/nodeMembership";

const seen = installMocks();

/** What every payload would do if a shell ran it: the scanner looks for this text. */
const MARK = "/tmp/pwn";
/** Shell metacharacters around MARK: substitutions, a command separator, quotes, a backslash, a newline. */
const PAYLOADS = ["$(touch /tmp/pwn)", "`touch /tmp/pwn`", "x;touch /tmp/pwn", "x';touch /tmp/pwn;'", 'x";touch /tmp/pwn;"', "x\\';touch /tmp/pwn #", "x\ntouch /tmp/pwn"];

/** `p` as a registry endpoint's path may carry it: no white space (`${IFS}` for it), no quotes. */
function asUrl(p: string): string {
    return p.replace(/\s/g, "${IFS}").replace(/['"]/g, "");
}

/** Every place where `text` has MARK as shell syntax. */
function live(text: string): string[] {
    return liveOccurrences(text, MARK);
}

/** The recorded resources named `<prefix>-…`. */
function under(prefix: string): Recorded[] {
    return [...seen.values()].filter((r) => r.name.startsWith(`${prefix}-`));
}

const cluster = baseCluster();
const hosts = clusterHosts(cluster.hosts, cluster.ssh);
const masters = hosts.filter((h) => h.name.startsWith("m"));
const workers = hosts.filter((h) => h.name.startsWith("w"));
const validity = { validityHours: 8760, earlyRenewalHours: 720 };
const BINARIES = ["etcd", "etcdctl", "etcdutl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet", "kube-proxy", "flanneld"];

/**
 * The four components as a library caller builds them, every free-form string their own
 * validation accepts carrying `p`: artifact URL and checksums, etcd's snapshot copy directory,
 * the control plane's SANs and flannel user (RBAC), the pool's registry endpoint and credentials,
 * kubelet settings and an image archive's file name. Resolves once every gate did.
 */
async function buildAll(prefix: string, p: string, archive: string): Promise<void> {
    const artifacts: ArtifactSource = { kind: "download", baseUrl: `https://10.213.0.1/${p}`, sha256: Object.fromEntries(BINARIES.map((b) => [b, `${b}${p}`])) };
    const pki = new ClusterPki(`${prefix}-pki`, { clusterName: "lab", caValidityHours: 87600 });
    const etcd = new EtcdCluster(`${prefix}-etcd`, { members: masters, ca: pki.etcdCa, artifacts, validity, snapshotCopyDirectory: `/tmp/snaps${p}` });
    const lb = new LoadBalancer(`${prefix}-lb`, { mode: "external", backends: masters, externalAddress: "lb.lab" });
    const cp = new ControlPlane(`${prefix}-cp`, {
        clusterName: "lab",
        masters,
        endpointHost: "lb.lab",
        endpointPort: 6443,
        extraSans: [`san${p}`],
        flannelUser: `flannel${p}`,
        clusterCa: pki.clusterCa,
        etcdCa: pki.etcdCa,
        frontProxyCa: pki.frontProxyCa,
        serviceAccountKeyPem: pki.serviceAccountKeyPem,
        serviceAccountPublicKeyPem: pki.serviceAccountPublicKeyPem,
        encryptionKeyBase64: pki.encryptionKeyBase64,
        etcdEndpoints: etcd.endpoints,
        etcdReady: etcd.ready,
        loadBalancerReady: lb.ready,
        artifacts,
        validity,
    });
    const pool = new WorkerPool(`${prefix}-pool`, {
        clusterName: "lab",
        nodes: workers.map((w) => ({ ...w, kubeletExtraConfig: { containerLogMaxSize: `10Mi${p}` } })),
        podNetwork: "flannel",
        registry: { server: "registry.lab:5000", endpoint: `https://registry.lab:5000/${asUrl(p)}`, username: `user${p}`, password: `pass${p}`, caPem: TEST_CA_PEM },
        kubeletExtraConfig: { featureGates: { [`Gate${p}`]: true } },
        imageArchives: [archive],
        clusterCa: pki.clusterCa,
        apiserverUrl: cp.apiserverUrl,
        controlPlaneReady: cp.ready,
        kubectlHost: masters[0],
        artifacts,
        validity,
    });
    await promiseOf(pulumi.all([etcd.ready, lb.ready, cp.ready, pool.ready]));
    await settle();
}

describe("shell quoting: inputs from library callers reach the hosts' shells only as quoted data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-k8s-quoting-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe.each(PAYLOADS.map((p, i) => [JSON.stringify(p), p, i] as const))("payload %s", (_, payload, i) => {
        const prefix = `q${i}`;
        let texts: Array<[string, string]>;

        beforeAll(async () => {
            // an archive whose file name carries the payload (a file name has no slash)
            const archive = path.join(dir, `images${payload.replace(/\//g, "_")}.tar`);
            fs.writeFileSync(archive, "not really an image archive");
            await buildAll(prefix, payload, archive);
            texts = under(prefix).flatMap(shellTexts);
        });

        it("reaches shell texts (the check below looks at something)", () => {
            expect(texts.length).toBeGreaterThan(100);
            expect(texts.filter(([, t]) => t.includes(MARK)).length).toBeGreaterThan(10);
        });

        it("is quoted, escaped or literal wherever it appears in a Command, a provider's script, a script file or an environment file", () => {
            const found = texts.flatMap(([where, t]) => live(t).map((s) => `${where}: ${s}`));
            expect(found).toEqual([]);
        });
    });
});

/** What `make` throws (undefined when it does not). */
function refusal(make: () => unknown): pulumi.InputPropertiesError | undefined {
    try {
        make();
    } catch (e) {
        return e as pulumi.InputPropertiesError;
    }
    return undefined;
}

describe("shell quoting: inputs the components refuse, before anything is registered", () => {
    const pki = { certPem: pulumi.output("x"), keyPem: pulumi.output("y") } as never;
    const artifacts: ArtifactSource = { kind: "download", baseUrl: "https://10.213.0.1", sha256: {} };
    const etcd = (n: string, over: object) => new EtcdCluster(n, { members: masters, ca: pki, artifacts, validity, ...over });
    const controlPlane = (n: string, over: object) =>
        new ControlPlane(n, {
            clusterName: "lab",
            masters,
            endpointHost: "10.213.0.100",
            endpointPort: 8443,
            ...{ clusterCa: pki, etcdCa: pki, frontProxyCa: pki, serviceAccountKeyPem: "k", serviceAccountPublicKeyPem: "k", encryptionKeyBase64: "k" },
            ...{ etcdEndpoints: [], etcdReady: true, loadBalancerReady: true, artifacts, validity },
            ...over,
        });
    const pool = (n: string, over: object) =>
        new WorkerPool(n, {
            clusterName: "lab",
            nodes: workers,
            clusterCa: pki,
            apiserverUrl: "https://10.213.0.100:8443",
            controlPlaneReady: true,
            kubectlHost: masters[0],
            artifacts,
            validity,
            ...over,
        });
    const renamed = <T extends { name: string }>(list: readonly T[], i: number, name: string): T[] => list.map((h, j) => (j === i ? { ...h, name } : h));
    const cases: Array<[string, string, (p: string, name: string) => unknown]> = [
        ["EtcdCluster", "members[0].name", (p, n) => etcd(n, { members: renamed(masters, 0, `m1${p}`) })],
        ["EtcdCluster", "members[1].address", (p, n) => etcd(n, { members: masters.map((h, j) => (j === 1 ? { ...h, address: `10.213.0.12${p}` } : h)) })],
        ["EtcdCluster", "clientPort", (p, n) => etcd(n, { clientPort: `2379${p}` })],
        ["EtcdCluster", "clusterToken", (p, n) => etcd(n, { clusterToken: `lab${p}` })],
        ["LoadBalancer", "backends[0].name", (p, n) => new LoadBalancer(n, { mode: "haproxy-keepalived", backends: renamed(masters, 0, `m1${p}`), vip: "10.213.0.100" })],
        ["LoadBalancer", "interface", (p, n) => new LoadBalancer(n, { mode: "haproxy-keepalived", backends: masters, vip: "10.213.0.100", interface: `eth0${p}` })],
        ["LoadBalancer", "lbHost.address", (p, n) => new LoadBalancer(n, { mode: "nginx", backends: masters, lbHost: { ...workers[0], address: `10.213.0.21${p}` } })],
        ["LoadBalancer", "lbHost.name", (p, n) => new LoadBalancer(n, { mode: "nginx", backends: masters, lbHost: { ...workers[0], name: `lb${p}` } })],
        ["LoadBalancer", "externalAddress", (p, n) => new LoadBalancer(n, { mode: "external", backends: masters, externalAddress: `lb${p}` })],
        ["ControlPlane", "clusterName", (p, n) => controlPlane(n, { clusterName: `lab${p}` })],
        ["ControlPlane", "endpointHost", (p, n) => controlPlane(n, { endpointHost: `lb${p}` })],
        ["ControlPlane", "masters[2].name", (p, n) => controlPlane(n, { masters: renamed(masters, 2, `m3${p}`) })],
        ["ControlPlane", "apiserver.extraArgs.event-ttl", (p, n) => controlPlane(n, { apiserver: { extraArgs: { "event-ttl": `1h${p}` } } })],
        ["WorkerPool", "clusterName", (p, n) => pool(n, { clusterName: `lab${p}` })],
        ["WorkerPool", "flannelUser", (p, n) => pool(n, { podNetwork: "flannel", flannelUser: `flannel${p}` })],
        ["WorkerPool", "nodes[0].name", (p, n) => pool(n, { nodes: renamed(workers, 0, `w1${p}`) })],
        ["WorkerPool", "registry.server", (p, n) => pool(n, { registry: { server: `registry${p}` } })],
        [
            "WorkerPool",
            "nodes[0].packages.url",
            (p, n) => pool(n, { nodes: workers.map((w, j) => (j === 0 ? { ...w, packages: { url: `http://10.213.0.1/debian${p}`, components: ["main"] } } : w)) }),
        ],
        [
            "EtcdCluster",
            "members[0].packages.signedBy",
            (p, n) =>
                etcd(n, { members: masters.map((h, j) => (j === 0 ? { ...h, packages: { url: "http://10.213.0.1/debian", components: ["main"], signedBy: `key${p}` } } : h)) }),
        ],
    ];

    it.each(cases.flatMap(([kind, key, make]) => PAYLOADS.map((p, i) => [kind, key, JSON.stringify(p), p, i, make] as const)))(
        "%s with a payload in %s (%s): an InputPropertiesError naming it, nothing registered",
        async (kind, key, _, p, i, make) => {
            const name = `bad-${kind}-${key.replace(/\W/g, "-")}-${i}`;
            const error = refusal(() => make(p, name));
            expect(error).toBeInstanceOf(pulumi.InputPropertiesError);
            expect(error?.errors?.map((e) => e.propertyPath)).toContain(key);
            await settle();
            expect(under(name)).toEqual([]);
        },
    );
});

describe("shell quoting: the registry's credentials", () => {
    const pki = new ClusterPki("reg-pki", { clusterName: "lab", caValidityHours: 87600 });
    const pool = (name: string, registry: object) =>
        new WorkerPool(name, {
            clusterName: "lab",
            nodes: workers,
            registry: { server: "registry.lab:5000", ...registry },
            clusterCa: pki.clusterCa,
            apiserverUrl: "https://10.213.0.100:8443",
            controlPlaneReady: true,
            kubectlHost: masters[0],
            artifacts: { kind: "download", baseUrl: "https://10.213.0.1", sha256: Object.fromEntries(BINARIES.map((b) => [b, "0".repeat(64)])) },
            validity,
        });

    it("an http endpoint with credentials is refused by the WorkerPool itself; nothing registered", async () => {
        const http = refusal(() => pool("reg-http", { endpoint: "http://registry.lab:5000", username: "u", password: "p" }));
        expect(http).toBeInstanceOf(pulumi.InputPropertiesError);
        expect(http?.errors).toEqual([expect.objectContaining({ propertyPath: "registry.endpoint", reason: expect.stringMatching(/clear text/) })]);
        expect(refusal(() => pool("reg-half", { username: "u" }))).toBeInstanceOf(pulumi.InputPropertiesError);
        await settle();
        expect([...under("reg-http"), ...under("reg-half")]).toEqual([]);
    });

    it("a password given in plain text is kept as a secret: it is in no resource's plain inputs", async () => {
        const password = "PlainTextPassw0rd";
        const p = pool("reg-plain", { endpoint: "https://registry.lab:5000", username: "u", password });
        await promiseOf(p.ready);
        await settle();
        const recorded = under("reg-plain");
        const config = recorded.find((r) => r.inputs.path === PATHS.node.containerdConfig);
        expect(config?.inputs.content).toContain(password);
        expect(config?.plain?.content).toBe(SECRET_MARK);
        for (const r of recorded) expect(JSON.stringify(r.plain)).not.toContain(password);
    });
});

describe("shell quoting: the script builders, given any string", () => {
    const kubectlOn = { kubectl: "/usr/local/bin/kubectl", kubeconfig: "/etc/kubernetes/admin.kubeconfig", timeoutSec: 60 };
    /** Every builder that takes a string which may come from an input, with that string (`p`) in every such argument. */
    const BUILDERS: Record<string, (p: string) => string> = {
        restartAndWaitScript: (p) => restartAndWaitScript({ unit: `unit${p}`, host: `host${p}`, check: "true", timeoutSec: 5, preRestart: "true" }),
        waitScript: (p) => waitScript({ what: `what${p}`, check: "true", timeoutSec: 5, unit: `unit${p}` }),
        writeFileScript: (p) => writeFileScript(`/etc/x${p}`, "0600", true),
        deleteFileScript: (p) => deleteFileScript(`/etc/x${p}`),
        installBinaryScript: (p) => installBinaryScript({ name: `bin${p}`, sha256: `sha${p}`, host: `host${p}`, url: `https://x/${p}` }),
        "installBinaryScript (staged)": (p) => installBinaryScript({ name: `bin${p}`, sha256: `sha${p}`, host: `host${p}`, staged: `/var/x${p}` }),
        ensurePackagesScript: (p) => ensurePackagesScript([`pkg${p}`], `/var/record${p}`),
        removePackagesScript: (p) => removePackagesScript("true", `/var/record${p}`),
        snapshotScript: (p) => snapshotScript(`member${p}`, 2379),
        importImagesScript: (p) => importImagesScript([`/var/images/x${p}.tar`], `host${p}`),
        tcpCheck: (p) => tcpCheck(`host${p}`, 6443),
        rolloutGateScript: (p) => rolloutGateScript(`ns${p}`, `deploy${p}`, 5),
        apiServiceGateScript: (p) => apiServiceGateScript(`api${p}`, 5),
        statScript: (p) => statScript(`/etc/x${p}`),
        "ManagedService scripts": (p) => [statusScript(`u${p}`), enableScript(`u${p}`), repairScript(`u${p}`, `host${p}`), disableScript(`u${p}`)].join("\n"),
        staleDataScript: (p) => staleDataScript(`/var/lib/etcd${p}`),
        memberAddScript: (p) => memberAddScript(etcdctlCommand(2379, "").trimEnd(), { name: `m${p}`, peerUrl: `https://x${p}:2380` }),
        newestSnapshotScript: (p) => newestSnapshotScript(`/var/snap${p}`, `m${p}`),
        "EncryptionRotation scripts": (p) =>
            [
                readConfigScript(`/etc/enc${p}`),
                stageScript({ path: `/etc/enc${p}`, localUrl: `https://127.0.0.1${p}`, timeoutSec: 5 }, `host${p}`),
                rewriteScript({ kubectl: `/k${p}`, kubeconfig: `/kc${p}`, resources: [`secrets${p}`] }),
            ].join("\n"),
        "KubernetesObject scripts": (p) =>
            [
                applyScript({ kubectl: `/k${p}`, kubeconfig: `/kc${p}`, fieldManager: `fm${p}`, timeoutSec: 5 }),
                observeScript({ kubectl: `/k${p}`, kubeconfig: `/kc${p}`, fieldManager: `fm${p}` }),
                deleteScript({ kubectl: `/k${p}`, kubeconfig: `/kc${p}` }),
            ].join("\n"),
        "NodeMembership scripts": (p) => [readyScript({ ...kubectlOn, node: `n${p}`, labels: { [`k${p}`]: `v${p}` } }), drainScript({ ...kubectlOn, node: `n${p}` })].join("\n"),
        restartDrainScript: (p) => restartDrainScript({ ...kubectlOn, node: `n${p}` }),
    };

    it.each(Object.keys(BUILDERS).flatMap((b) => PAYLOADS.map((p) => [b, JSON.stringify(p), p] as const)))("%s with %s", (b, _, p) => {
        const script = BUILDERS[b](p);
        expect(script).toContain(MARK);
        expect(live(script)).toEqual([]);
    });

    it("the scanner finds an unquoted, a double-quoted and a nested-shell payload (the test can fail)", () => {
        expect(live(`echo ${PAYLOADS[0]}`)).toHaveLength(1);
        expect(live(`echo "${PAYLOADS[0]}"`)).toHaveLength(1);
        expect(live(`echo "${PAYLOADS[4]}"`)).toHaveLength(1);
        expect(live(`echo 'a${PAYLOADS[3]}'`)).toHaveLength(1);
        expect(live(`x=1\n${PAYLOADS[6]}`)).toHaveLength(1);
        expect(live(`bash -c '</dev/tcp/${PAYLOADS[2]}/1'`)).toHaveLength(1);
        expect(live(`cat <<EOF\n${PAYLOADS[0]}\nEOF\n`)).toHaveLength(1);
        expect(live(`cat <<'EOF'\n${PAYLOADS[0]}\nEOF\n`)).toEqual([]);
        expect(live(`echo "a\\${PAYLOADS[0].slice(1)}" # ${PAYLOADS[3]}`)).toEqual([]);
    });
});
