/**
 * Topology 1: 3 masters with stacked etcd behind a haproxy + keepalived VIP, 2 workers, bridge
 * pod network, binaries uploaded by Pulumi (air-gapped), metrics-server, and a lab registry on
 * lb1 holding the conformance images. Asserts the cluster really works (and passes the CI subset
 * of the conformance suite), that a
 * second `pulumi up` and `pulumi preview` change nothing, drift repair, failover, a partition of
 * the VIP holder, a power cut of every host at once (back with no `pulumi up`), a worker added
 * (touching only it and the routes) and one removed (drained first), and a clean destroy.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { createHash } from "crypto";
import {
    activeSince,
    coreDnsNodes,
    etcdctl,
    expectApiserversReachPods,
    expectClusterDns,
    expectNodeMetrics,
    expectPodAndService,
    httpFromPod,
    kubectl,
    lookupFromPod,
    nodesReady,
    podManifest,
    podsRunning,
    startApiProbe,
    vipHolders,
} from "./cluster";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awaitBackgroundBuild, awaitConformanceBuild, CI_SUBSET, pushConformanceImages, runConformance } from "../conformance/suite";
import { LabRegistry, startLabRegistry } from "./registry";
import { CACHE, eventually, Inventory, labDown, labIsolate, labRejoin, labShutdown, labStart, labStop, ssh, sshOk } from "./lab";
import { changes, freshLab, labConfig, labStack, labVersions, previewChanges, previewRecording, pulumiLog, timed, upRecording } from "./stack";

const VIP = "10.213.0.100";
/** Where etcd snapshots are copied back to, on this machine. */
const SNAPSHOT_COPIES = path.join(CACHE, "e2e-snapshots", "stacked");
const MASTERS = ["m1", "m2", "m3"];
const WORKERS = ["w1", "w2"];
let inv: Inventory;
let stack: Stack;
let destroyed = false;
let kubeconfig: string;
let registry: LabRegistry;
let firstPreview: Record<string, number> = {};
const report: string[] = [];

/** The stack's configuration over these workers (w3 is booted but joins later). */
const configFor = (workers: string[]) =>
    labConfig(
        { ...inv, hosts: inv.hosts.filter((h) => MASTERS.includes(h.name) || workers.includes(h.name)) },
        {
            lbMode: "haproxy-keepalived",
            vip: VIP,
            metricsServer: true,
            registry: { server: registry.server, caPem: registry.caPem },
            extra: { etcd: { topology: "stacked", snapshotCopyDirectory: SNAPSHOT_COPIES } },
        },
    );

beforeAll(async () => {
    // the metrics-server image is built behind the other suites (tests/e2e/build.sh); cached, at once
    const msWaited = await awaitBackgroundBuild("the metrics-server image (tests/lab/images.sh metrics-server)", "HA_K8S_METRICS_SERVER_BUILD", process.env, 20 * 60_000);
    if (msWaited > 0) report.push(`stacked: waited ${msWaited}s for the metrics-server image`);
    // lb1 only holds the lab registry (the conformance images); it is no part of the cluster
    inv = freshLab("e2e-stacked", { masters: 3, workers: 3, lb: 1 });
    registry = startLabRegistry(inv, "lb1", "10.213.0.41");
    fs.rmSync(SNAPSHOT_COPIES, { recursive: true, force: true });
    stack = await labStack("e2e-stacked", configFor(WORKERS));
    // what a user's CI runs first: a preview of the whole new cluster (every certificate, and the
    // manifests carrying them, still unknown) succeeds
    const pre = await timed(() => previewChanges(stack));
    firstPreview = pre.result;
    report.push(`stacked: first preview ${pre.seconds}s (engine CPU ${pre.cpu}s)`);
    const up = await timed(() => stack.up({ onOutput: pulumiLog(stack) }));
    report.push(`stacked: pulumi up ${up.seconds}s (engine CPU ${up.cpu}s)`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
}, 50 * 60_000); // the image (at most 20 minutes), the preview and the up

afterAll(async () => {
    process.stdout.write(`\n[e2e] ${report.join("; ")}\n`);
    if (stack && !destroyed && process.env.HA_K8S_E2E_KEEP !== "1") {
        await stack.destroy({ onOutput: pulumiLog(stack) }).catch((e) => process.stdout.write(`destroy failed: ${e}\n`));
    }
    if (process.env.HA_K8S_E2E_KEEP !== "1") labDown();
});

const since = (h: string, unit: string) => activeSince(inv, h, unit);

describe("stacked etcd + haproxy/keepalived VIP", () => {
    it("etcd: every member healthy over TLS, 3 members, a write on one is read on another", () => {
        const health = etcdctl(inv, "m1", "endpoint health --cluster");
        expect(health.code).toBe(0);
        expect((health.out + health.err).match(/is healthy/g)).toHaveLength(3);
        const members = etcdctl(inv, "m2", "member list");
        expect(members.out.trim().split("\n")).toHaveLength(3);
        expect(etcdctl(inv, "m1", "put /e2e/hello world").code).toBe(0);
        expect(etcdctl(inv, "m3", "get /e2e/hello --print-value-only").out.trim()).toBe("world");
        // no client certificate, no access
        expect(ssh(inv, "m1", "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --dial-timeout=3s endpoint health").code).not.toBe(0);
    });

    it("the API answers through the VIP, every node is Ready, one leader each for controller-manager and scheduler", async () => {
        expect(kubeconfig).toContain(`server: https://${VIP}:8443`);
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        await nodesReady(kubeconfig, WORKERS);
        for (const lease of ["kube-controller-manager", "kube-scheduler"]) {
            const holder = kubectl(kubeconfig, ["-n", "kube-system", "get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}"]).trim();
            expect(MASTERS.some((m) => holder.startsWith(m))).toBe(true);
        }
        const endpoints = kubectl(kubeconfig, [
            "get",
            "endpointslices",
            "-n",
            "default",
            "-l",
            "kubernetes.io/service-name=kubernetes",
            "-o",
            "jsonpath={.items[*].endpoints[*].addresses[*]}",
        ])
            .trim()
            .split(/\s+/)
            .sort();
        expect(endpoints).toEqual(["10.213.0.11", "10.213.0.12", "10.213.0.13"]);
        // the masters are nodes too: Ready, labelled and tainted as control-plane nodes
        await nodesReady(kubeconfig, MASTERS);
        const roles = kubectl(kubeconfig, [
            "get",
            "nodes",
            "-l",
            "node-role.kubernetes.io/control-plane",
            "-o",
            'jsonpath={range .items[*]}{.metadata.name}={.spec.taints[*].key}{"\\n"}{end}',
        ])
            .trim()
            .split("\n")
            .sort();
        expect(roles).toEqual(MASTERS.map((m) => `${m}=node-role.kubernetes.io/control-plane`));
    });

    it("the first preview planned the whole cluster", () => {
        // every resource a create (metrics-server's Secret and APIService among them), nothing else
        expect(Object.keys(firstPreview)).toEqual(["create"]);
        expect(firstPreview.create).toBeGreaterThan(500);
    });

    it("the VIP is held by exactly one master", () => {
        expect(vipHolders(inv, MASTERS, VIP)).toHaveLength(1);
    });

    it("secrets are encrypted at rest in etcd", () => {
        kubectl(kubeconfig, ["create", "secret", "generic", "e2e-secret", "--from-literal=k=plaintext-value"]);
        const raw = etcdctl(inv, "m1", "get /registry/secrets/default/e2e-secret --print-value-only");
        expect(raw.out).toContain("k8s:enc:secretbox:v1:key1:");
        expect(raw.out).not.toContain("plaintext-value");
    });

    it("a pod runs on a worker and its Service answers from the other worker", async () => {
        await expectPodAndService(inv, kubeconfig, "w1", "w2");
        // kubectl logs goes apiserver -> kubelet with the apiserver's client cert (RBAC bootstrap)
        expect(kubectl(kubeconfig, ["logs", "testapp"])).toContain("response:200");
    });

    it("cluster DNS: CoreDNS on two nodes answers for the API's and a workload's Service names", async () => {
        expect(new Set(coreDnsNodes(kubeconfig)).size).toBe(2);
        await expectClusterDns(kubeconfig, "client-w2");
    });

    it("every apiserver reaches pods: proxy to a pod and to a Service backed by it, port-forward", async () => {
        await expectApiserversReachPods(inv, kubeconfig, MASTERS, "testapp");
    });

    it("metrics-server: kubectl top nodes lists every node, every apiserver serves metrics.k8s.io", async () => {
        await expectNodeMetrics(inv, kubeconfig, MASTERS, [...MASTERS, ...WORKERS]);
    });

    it(
        "passes the CI subset of the conformance suite: DNS, Services, proxy, admission webhooks, the aggregator, kubectl, exec and logs",
        async () => {
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hak-conf-ci-"));
            try {
                const kubeconfigFile = path.join(tmp, "admin.kubeconfig");
                fs.writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
                const target = {
                    kubeconfigFile,
                    registryServer: registry.server,
                    registryCaPem: registry.caPem,
                    reportDir: path.join(CACHE, "logs", "e2e", "conformance-subset"),
                    tmp,
                };
                const waited = await awaitConformanceBuild();
                const pushed = pushConformanceImages(target);
                const s = await runConformance(CI_SUBSET, target, Date.now(), true);
                report.push(
                    `conformance subset: ${s.passed} passed, ${s.failed} failed, ${s.flaked.length} passed on a retry in ${s.durationSeconds}s (build awaited ${waited}s, images pushed in ${pushed}s; ${target.reportDir})`,
                    ...s.flaked.map((f) => `  flaked (${f.state}): ${f.name}: ${f.firstLine}`),
                );
                expect(s.failures).toEqual([]);
                // the selection really ran (a focus that matched nothing would pass)
                expect(s.passed).toBeGreaterThanOrEqual(60);
            } finally {
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        },
        125 * 60_000,
    ); // the build (at most 75 minutes), two phases of at most 20 minutes each, the push

    it("kubelets refuse anonymous requests", () => {
        const r = ssh(inv, "m1", "curl -sk -o /dev/null -w '%{http_code}' https://10.213.0.21:10250/pods");
        expect(r.out.trim()).toBe("401");
    });

    it("a second pulumi up changes nothing and pulumi preview is clean", async () => {
        const again = await timed(() => stack.up({ onOutput: pulumiLog(stack) }));
        report.push(`no-op up ${again.seconds}s (engine CPU ${again.cpu}s)`);
        expect(changes(again.result)).toEqual({});
        expect(await previewChanges(stack)).toEqual({});
    });

    it("rolls a control-plane flag one master at a time, the API answering through the VIP throughout", async () => {
        const before = MASTERS.map((m) => since(m, "kube-apiserver"));
        const etcdBefore = since("m1", "etcd");
        const probe = startApiProbe(kubeconfig);
        await stack.setConfig("ha-kubernetes:controlPlane", { value: JSON.stringify({ apiserverExtraArgs: { "event-ttl": "2h" } }) });
        const rolled = await timed(() => upRecording(stack));
        const seen = probe.stop();
        report.push(`control-plane flag rolled ${rolled.seconds}s (API probe: ${seen.ok} answered, ${seen.retried} of them on a retry, ${seen.failed} failed)`);
        expect({ failed: seen.failed, errors: seen.errors }).toEqual({ failed: 0, errors: [] });
        expect(seen.ok).toBeGreaterThan(20);
        expect(
            Object.keys(rolled.result.changed)
                .filter((n) => n.endsWith("-restart"))
                .sort(),
        ).toEqual(MASTERS.map((m) => `lab-cp-${m}-cp-restart`));
        const after = MASTERS.map((m) => since(m, "kube-apiserver"));
        // each apiserver restarted, one after the other (the hosts share a kernel: one monotonic clock)
        after.forEach((t, i) => expect(t).toBeGreaterThan(before[i]));
        expect(after[1]).toBeGreaterThan(after[0]);
        expect(after[2]).toBeGreaterThan(after[1]);
        for (const m of MASTERS) expect(sshOk(inv, m, "cat /etc/kubernetes/kube-apiserver.env")).toContain("--event-ttl=2h");
        expect(since("m1", "etcd")).toBe(etcdBefore);
    });

    it("refuses a skipped minor version and a CA change before touching any host", async () => {
        const v = labVersions();
        const [major, minor] = v.kubernetes.split(".").map(Number);
        const apiserverBefore = since("m1", "kube-apiserver");
        await stack.setConfig("ha-kubernetes:versions", { value: JSON.stringify({ ...v, kubernetes: `${major}.${minor + 2}.0` }) });
        await stack.setConfig("ha-kubernetes:certificates", { value: JSON.stringify({ caValidityHours: 43800 }) });
        let refused: string;
        try {
            refused = await stack.up({ onOutput: pulumiLog(stack) }).then(
                () => "no error",
                (e: Error) => String(e),
            );
        } finally {
            // the configuration goes back whatever happened, so the tests after this one deploy as before
            await stack.setConfig("ha-kubernetes:versions", { value: JSON.stringify(v) });
            await stack.removeConfig("ha-kubernetes:certificates");
        }
        expect(refused).toContain(`Kubernetes ${v.kubernetes} → ${major}.${minor + 2}.0 skips minor version ${major}.${minor + 1}: upgrade one minor version at a time`);
        expect(refused).toContain("would replace the cluster's certificate authorities; ha-kubernetes cannot rotate a CA without downtime");
        expect(since("m1", "kube-apiserver")).toBe(apiserverBefore);
        expect(await previewChanges(stack)).toEqual({});
    });

    it("shows drift after refresh (an edited flag, a deleted certificate, a stopped kubelet, an edited etcd env) and repairs exactly that", async () => {
        const before = { m1: since("m1", "kube-apiserver"), m2: since("m2", "kube-apiserver"), w1: since("w1", "kubelet"), w2proxy: since("w2", "kube-proxy") };
        sshOk(inv, "m2", "sed -i 's/--profiling=false/--profiling=true/' /etc/kubernetes/kube-apiserver.env");
        sshOk(inv, "w1", "rm -f /var/lib/kubelet/pki/kubelet.crt");
        sshOk(inv, "w2", "systemctl stop kubelet");
        sshOk(inv, "m3", "echo '# edited by hand' >> /etc/etcd/etcd.env");
        const etcdM3 = since("m3", "etcd");
        await stack.refresh();
        const { result: preview, replaced: previewReplaced } = await previewRecording(stack);
        expect(preview.changeSummary.update).toBeGreaterThanOrEqual(3);
        // preview fidelity: the restarts of the drifted hosts show as replaced (their triggers are
        // unknown until the files are rewritten), and every resource the up replaces was announced
        expect(previewReplaced).toEqual(expect.arrayContaining(["lab-cp-m2-cp-restart", "lab-etcd-m3-etcd-restart", "lab-workers-w1-node-restart"]));
        const { changed, replaced } = await upRecording(stack);
        expect(previewReplaced).toEqual(expect.arrayContaining(replaced));
        process.stdout.write(`[e2e] stacked: drift preview replaces ${previewReplaced.length} (${previewReplaced.join(" ")}); the up replaced ${replaced.length}\n`);
        // files and services: exactly the drifted ones, repaired in place
        const repaired = Object.fromEntries(Object.entries(changed).filter(([n]) => !/-(restart|drain|health|ready|bootstrap|snapshot-copy)$/.test(n)));
        expect(repaired).toEqual({
            "lab-cp-m2-cp-apiserver-env": "update",
            "lab-workers-w1-node-kubelet-crt": "update",
            "lab-workers-w2-kubelet-unit": "update",
            "lab-etcd-m3-etcd-env": "update",
        });
        // restarts: only the hosts whose files changed; the gates after them (health, ready, RBAC bootstrap) re-run
        expect(
            Object.keys(changed)
                .filter((n) => n.endsWith("-restart"))
                .sort(),
        ).toEqual(["lab-cp-m2-cp-restart", "lab-etcd-m3-etcd-restart", "lab-workers-w1-node-restart"]);
        // w1, the only node restarted, was drained through the API first (its bare pod testapp
        // was deleted), then uncordoned by its Ready gate, the drain mark gone
        expect(Object.keys(changed).filter((n) => n.endsWith("-drain"))).toEqual(["lab-workers-w1-node-drain"]);
        expect(kubectl(kubeconfig, ["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"]).split(/\s+/)).not.toContain("testapp");
        expect(kubectl(kubeconfig, ["get", "node", "w1", "-o", "jsonpath={.spec.unschedulable}|{.metadata.annotations.ha-kubernetes\\.io/drained-for-restart}"]).trim()).toBe("|");
        // etcd: a snapshot was saved before m3 restarted, the member is back and healthy
        expect(since("m3", "etcd")).not.toBe(etcdM3);
        expect(sshOk(inv, "m3", "stat -c '%a %s' /var/lib/etcd-snapshots && ls /var/lib/etcd-snapshots").trim()).toMatch(/^700 \d+\nm3-\d{8}T\d{6}Z\.db$/);
        expect(Number(sshOk(inv, "m3", "stat -c %s /var/lib/etcd-snapshots/m3-*.db").trim())).toBeGreaterThan(1000);
        // and copied back to this machine (etcd.snapshotCopyDirectory), identical, owner-only
        expect(changed["lab-etcd-m3-etcd-snapshot-copy"]).toBe("update");
        const [hostSha, hostPath] = sshOk(inv, "m3", "sha256sum /var/lib/etcd-snapshots/m3-*.db").trim().split(/\s+/);
        const copy = path.join(SNAPSHOT_COPIES, "m3", path.basename(hostPath));
        expect(fs.readdirSync(path.join(SNAPSHOT_COPIES, "m3"))).toEqual([path.basename(hostPath)]);
        expect(createHash("sha256").update(fs.readFileSync(copy)).digest("hex")).toBe(hostSha);
        expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
        expect(fs.existsSync(path.join(SNAPSHOT_COPIES, "m1"))).toBe(false);
        expect(etcdctl(inv, "m1", "endpoint health --cluster").code).toBe(0);
        expect(sshOk(inv, "m2", "cat /etc/kubernetes/kube-apiserver.env")).toContain("--profiling=false");
        expect(ssh(inv, "w1", "test -s /var/lib/kubelet/pki/kubelet.crt").code).toBe(0);
        // and everything on the repaired hosts is still running once `up` returned
        for (const [h, units] of [
            ["w1", "containerd kubelet kube-proxy"],
            ["w2", "containerd kubelet kube-proxy"],
            ["m2", "kube-apiserver haproxy keepalived"],
            ["m3", "etcd"],
        ]) {
            expect({ h, state: ssh(inv, h, `systemctl is-active ${units}`).out.trim().split("\n") }).toEqual({ h, state: units.split(" ").map(() => "active") });
        }
        // the services reading the files were restarted, on their hosts only, and still work
        expect(since("m2", "kube-apiserver")).not.toBe(before.m2);
        expect(since("w1", "kubelet")).not.toBe(before.w1);
        expect(since("m1", "kube-apiserver")).toBe(before.m1);
        expect(since("w2", "kube-proxy")).toBe(before.w2proxy);
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        await nodesReady(kubeconfig, WORKERS);
        expect(await previewChanges(stack)).toEqual({});
    });

    it("fails over: a master's host stops, the API still answers through the VIP", async () => {
        const holder = vipHolders(inv, MASTERS, VIP)[0];
        const others = MASTERS.filter((m) => m !== holder);
        labStop(holder);
        try {
            await eventually("VIP moved", () => vipHolders(inv, others, VIP).length === 1, 60_000);
            await eventually("API through the VIP", () => kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim() === "ok", 90_000);
            // etcd keeps quorum (a new leader may take a moment to be elected if the holder led)
            await eventually("an etcd write with one member down", () => etcdctl(inv, others[0], "put /e2e/after-failover yes").code === 0, 30_000);
        } finally {
            // the host comes back whatever happened, so the tests after this one find all three
            labStart(holder);
        }
        await eventually(`${holder} back in the etcd cluster`, () => etcdctl(inv, holder, "get /e2e/after-failover --print-value-only").out.trim() === "yes", 120_000);
        await eventually(`${holder}'s apiserver ready again`, () => ssh(inv, holder, "curl -sfk --max-time 3 https://127.0.0.1:6443/readyz").out.trim() === "ok", 120_000);
    });

    it("survives a partition of the VIP holder: the VIP moves, the API answers, etcd keeps its quorum; healed, one VIP holder, one leader per lease, nothing lost", async () => {
        const holder = vipHolders(inv, MASTERS, VIP)[0];
        const others = MASTERS.filter((m) => m !== holder);
        const leases = ["kube-controller-manager", "kube-scheduler"];
        labIsolate(holder);
        const t0 = Date.now();
        let moved: number | undefined;
        try {
            await eventually("the VIP taken over by another master", () => vipHolders(inv, others, VIP).length === 1, 60_000);
            moved = Math.round((Date.now() - t0) / 1000);
            await eventually("the API through the VIP", () => kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim() === "ok", 90_000);
            // written while the holder is cut off: to etcd on both sides of the quorum, and through the API
            for (let i = 0; i < 4; i++) {
                await eventually(`etcd write ${i} on ${others[i % 2]}`, () => etcdctl(inv, others[i % 2], `put /e2e/partition/${i} v${i}`).code === 0, 30_000);
            }
            await eventually(
                "a ConfigMap created through the VIP",
                () => kubectl(kubeconfig, ["create", "configmap", "e2e-partition", "--from-literal=k=written-during-the-partition"]).includes("created"),
                60_000,
            );
        } finally {
            // the link comes back whatever happened, so the tests after this one find three masters
            labRejoin(holder);
        }
        const healed = Date.now();
        await eventually("one VIP holder once the partition heals", () => vipHolders(inv, MASTERS, VIP).length === 1, 60_000);
        await eventually(`${holder}'s etcd caught up`, () => etcdctl(inv, holder, "get /e2e/partition/3 --print-value-only").out.trim() === "v3", 120_000);
        for (let i = 0; i < 4; i++) expect(etcdctl(inv, holder, `get /e2e/partition/${i} --print-value-only`).out.trim()).toBe(`v${i}`);
        expect((etcdctl(inv, holder, "endpoint health --cluster").out.match(/is healthy/g) ?? []).length).toBe(3);
        await eventually(`${holder}'s apiserver ready`, () => ssh(inv, holder, "curl -sfk --max-time 3 https://127.0.0.1:6443/readyz").out.trim() === "ok", 120_000);
        expect(kubectl(kubeconfig, ["get", "configmap", "e2e-partition", "-o", "jsonpath={.data.k}"]).trim()).toBe("written-during-the-partition");
        // one leader per lease, a master, renewing it (a renewal after the partition healed)
        for (const lease of leases) {
            await eventually(
                `${lease}'s lease renewed by one master after the partition`,
                () => {
                    const [who, renewed] = kubectl(kubeconfig, ["-n", "kube-system", "get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}|{.spec.renewTime}"])
                        .trim()
                        .split("|");
                    return MASTERS.some((m) => who.startsWith(m)) && Date.parse(renewed) > healed;
                },
                60_000,
            );
        }
        report.push(`partition of ${holder}: the VIP moved in ${moved}s; healed with one holder, nothing lost`);
    });

    it("DNS keeps answering when a master running a CoreDNS replica is shut down", async () => {
        const holder = vipHolders(inv, MASTERS, VIP)[0];
        const dnsNodes = coreDnsNodes(kubeconfig);
        expect(new Set(dnsNodes).size).toBe(2);
        // a master running a replica (CoreDNS prefers control-plane nodes), other than the VIP
        // holder when there is one (the VIP failover is tested above)
        const candidates = dnsNodes.filter((n) => MASTERS.includes(n));
        expect(candidates.length).toBeGreaterThan(0);
        const target = candidates.find((m) => m !== holder) ?? candidates[0];
        // an orderly poweroff (a power cut left one lookup in 22 unanswered for 30 s: see README)
        labShutdown(target);
        const attempts: number[] = [];
        try {
            // a lookup every 3 s for 100 s, each retried like a client would (a new query each time):
            // until the endpoint controller drops the dead replica about half the queries go to it
            const end = Date.now() + 100_000;
            while (Date.now() < end) {
                attempts.push(lookupFromPod(kubeconfig, "client-w2", "kubernetes.default.svc.cluster.local", "10.96.0.1", 10));
                await new Promise((r) => setTimeout(r, 3000));
            }
        } finally {
            labStart(target);
        }
        report.push(
            `DNS with ${target} off: ${attempts.length} lookups, ${attempts.filter((a) => a > 1).length} needed a retry, ${attempts.filter((a) => a === 0).length} unanswered`,
        );
        expect(attempts.filter((a) => a === 0)).toEqual([]);
        // once the dead replica is out of the Service, every query answers the first time
        expect(attempts.slice(-5)).toEqual([1, 1, 1, 1, 1]);
        await nodesReady(kubeconfig, [target]);
        await eventually(`${target}'s apiserver ready again`, () => ssh(inv, target, "curl -sfk --max-time 3 https://127.0.0.1:6443/readyz").out.trim() === "ok", 120_000);
        await eventually(
            "CoreDNS replicas available again",
            () => kubectl(kubeconfig, ["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.availableReplicas}"]).trim() === "2",
            180_000,
        );
    });

    it("comes back by itself after a power cut of every host at once: etcd, the VIP, every apiserver and node, a workload and its Service, no pulumi up", async () => {
        const hosts = [...MASTERS, ...WORKERS];
        // what the cluster needs at boot is enabled in /etc ("enabled-runtime", a link in /run, would not survive)
        const nodeUnits = ["containerd", "kubelet", "kube-proxy", "ha-kubernetes-pod-routes"];
        const masterUnits = ["etcd", "etcd-snapshot.timer", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "haproxy", "keepalived", ...nodeUnits];
        for (const h of hosts) {
            const units = MASTERS.includes(h) ? masterUnits : nodeUnits;
            const states = ssh(inv, h, `systemctl is-enabled ${units.join(" ")}`)
                .out.trim()
                .split("\n");
            expect({ host: h, states: Object.fromEntries(units.map((u, i) => [u, states[i]])) }).toEqual({ host: h, states: Object.fromEntries(units.map((u) => [u, "enabled"])) });
        }
        const svcIp = await expectPodAndService(inv, kubeconfig, "w1", "w2");
        expect(etcdctl(inv, "m1", "put /e2e/before-power-cut yes").code).toBe(0);
        labStop(...hosts);
        const t0 = Date.now();
        const at: Record<string, number> = {};
        const mark = (what: string) => (at[what] = Math.round((Date.now() - t0) / 1000));
        labStart(...hosts);
        mark("ssh");
        await eventually("etcd healthy with 3 members", () => (etcdctl(inv, "m2", "endpoint health --cluster").out.match(/is healthy/g) ?? []).length === 3, 300_000);
        mark("etcd");
        expect(etcdctl(inv, "m3", "get /e2e/before-power-cut --print-value-only").out.trim()).toBe("yes");
        await eventually("one VIP holder", () => vipHolders(inv, MASTERS, VIP).length === 1, 120_000);
        await eventually("the API through the VIP", () => kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim() === "ok", 300_000);
        mark("api");
        for (const m of MASTERS) await eventually(`${m}'s apiserver ready`, () => ssh(inv, m, "curl -sfk --max-time 3 https://127.0.0.1:6443/readyz").out.trim() === "ok", 300_000);
        await nodesReady(kubeconfig, hosts);
        mark("nodes");
        await podsRunning(kubeconfig, ["testapp", "client-w2"]);
        // pod routes back on every node: the workload answers by its Service from a pod on another worker
        await eventually(`service ${svcIp} answering from pod client-w2`, () => httpFromPod(kubeconfig, "client-w2", svcIp, 80).includes("testapp testapp"), 300_000);
        mark("service");
        await eventually(
            "CoreDNS replicas available again",
            () => kubectl(kubeconfig, ["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.availableReplicas}"]).trim() === "2",
            300_000,
        );
        expect(lookupFromPod(kubeconfig, "client-w2", "kubernetes.default.svc.cluster.local", "10.96.0.1", 10)).toBeGreaterThan(0);
        mark("dns");
        report.push(
            `power cut of ${hosts.length} hosts: back with no pulumi up, seconds after the boot began: ${Object.entries(at)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")}`,
        );
    });

    it("adds a worker touching only it and the pod routes; removes one after draining it, no other block moves", async () => {
        const cidrsBefore = (await stack.outputs()).podCidrs.value as Record<string, string>;
        const kubeletW1 = since("w1", "kubelet");
        // add w3
        await stack.setAllConfig(configFor(["w1", "w2", "w3"]));
        const added = await timed(() => upRecording(stack));
        report.push(`worker added ${added.seconds}s`);
        const allowed = [
            "lab-preflight",
            "lab-workers-pod-cidrs",
            ...[...MASTERS, "w1", "w2"].flatMap((w) => [`lab-workers-${w}-node-pod-routes-env`, `lab-workers-${w}-routes-restart`]),
        ];
        const elsewhere = Object.keys(added.result.changed).filter((n) => !n.includes("-w3-") && !allowed.includes(n));
        expect(elsewhere).toEqual([]);
        expect(Object.keys(added.result.changed).filter((n) => n.includes("-w3-")).length).toBeGreaterThan(20);
        expect(since("w1", "kubelet")).toBe(kubeletW1);
        await nodesReady(kubeconfig, ["w1", "w2", "w3"]);
        const cidrsAdded = (await stack.outputs()).podCidrs.value as Record<string, string>;
        expect(cidrsAdded).toMatchObject(cidrsBefore);
        expect(sshOk(inv, "w1", "ip route")).toContain(`${cidrsAdded.w3} via 10.213.0.23`);
        // a workload on w1, then remove w1: drained through the API before its services stop
        kubectl(kubeconfig, ["apply", "-f", "-"], podManifest("on-w1", "w1"));
        await podsRunning(kubeconfig, ["on-w1"]);
        await stack.setAllConfig(configFor(["w2", "w3"]));
        const removed = await timed(() => upRecording(stack));
        report.push(`worker removed ${removed.seconds}s`);
        expect(removed.result.changed["lab-workers-w1-node-ready"]).toBe("delete");
        // kubelet on w1 stopped the pod's container itself (eviction), so it was still running then
        // (after the Node object is gone no kubelet would stop it: the pod would just be collected)
        const killed = kubectl(kubeconfig, ["get", "events", "--field-selector", "involvedObject.name=on-w1,reason=Killing", "-o", "jsonpath={.items[*].reason}"]).trim();
        expect(killed).toContain("Killing");
        expect(kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"]).trim().split(/\s+/).sort()).toEqual([...MASTERS, "w2", "w3"]);
        expect(kubectl(kubeconfig, ["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"])).not.toContain("on-w1");
        expect(
            sshOk(
                inv,
                "w1",
                "for u in kubelet kube-proxy containerd; do systemctl is-active --quiet $u && echo $u; done; test -e /usr/local/bin/kubelet && echo kubelet-binary; true",
            ).trim(),
        ).toBe("");
        const cidrsRemoved = (await stack.outputs()).podCidrs.value as Record<string, string>;
        expect(cidrsRemoved).toEqual({ m1: cidrsAdded.m1, m2: cidrsAdded.m2, m3: cidrsAdded.m3, w2: cidrsAdded.w2, w3: cidrsAdded.w3 });
        expect(sshOk(inv, "w2", "ip route")).not.toContain(`${cidrsAdded.w1} via`);
        await nodesReady(kubeconfig, ["w2", "w3"]);
        expect(changes((await timed(() => stack.up())).result)).toEqual({});
    });

    it("pulumi destroy stops and removes what it installed on every host", async () => {
        if (process.env.HA_K8S_E2E_KEEP === "1") return;
        const s = stack;
        destroyed = true;
        const d = await timed(() => s.destroy({ onOutput: pulumiLog(s) }));
        report.push(`destroy ${d.seconds}s (engine CPU ${d.cpu}s)`);
        for (const m of MASTERS) {
            const left = sshOk(
                inv,
                m,
                "for u in etcd kube-apiserver kube-controller-manager kube-scheduler haproxy keepalived kubelet kube-proxy; do systemctl is-active --quiet $u && echo $u; done; for f in /etc/systemd/system/etcd.service /etc/systemd/system/kube-apiserver.service /usr/local/bin/kube-apiserver /usr/local/bin/etcd /etc/kubernetes/pki /etc/etcd/pki /etc/systemd/system/kubelet.service /usr/local/bin/kubelet; do test -e $f && echo $f; done; true",
            );
            expect({ host: m, left: left.trim() }).toEqual({ host: m, left: "" });
        }
        expect(vipHolders(inv, MASTERS, VIP)).toEqual([]);
        for (const w of ["w1", "w2", "w3"]) {
            const left = sshOk(
                inv,
                w,
                "for u in kubelet kube-proxy; do systemctl is-active --quiet $u && echo $u; done; for f in /etc/systemd/system/kubelet.service /usr/local/bin/kubelet /var/lib/kubelet /etc/cni/net.d/10-ha-kubernetes.conflist; do test -e $f && echo $f; done; ip route | grep -F 10.244. || true",
            );
            expect({ host: w, left: left.trim() }).toEqual({ host: w, left: "" });
        }
        await s.workspace.removeStack("e2e-stacked");
    });
});
