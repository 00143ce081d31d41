/**
 * Topologies 2 and 4 in one stack, on Debian 13 (trixie) hosts: the source document's nginx
 * stream proxy on its own host in front of 3 masters (stacked etcd), and flannel (vxlan) pod
 * networking on 2 workers. Asserts the
 * API through nginx, flannel's per-node subnets and vxlan devices, pod-to-pod and Service traffic
 * across workers, an unchanged second `pulumi up`, and a destroy that leaves the hosts clean.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import { DEFAULT_ADMIN_GROUP, renderAdminBindings } from "../../components/render/rbac";
import {
    activeSince,
    etcdctl,
    expectApiserversReachPods,
    expectClusterDns,
    expectEtcdHealthy,
    expectPodAndService,
    httpFromPod,
    kubectl,
    nodesReady,
    startApiProbe,
} from "./cluster";
import { cisFailures, ETCD_CHECKS, MASTER_CHECKS, NODE_CHECKS } from "./cis";
import { eventually, Inventory, labDown, ROOT, ssh, sshOk } from "./lab";
import { ArtifactServer, startArtifactServer } from "./artifactServer";
import { bundleDir, changes, freshLab, labConfig, labStack, previewChanges, pulumiLog, stackEnv, timed, upRecording } from "./stack";

const LB = "10.213.0.41";
const MASTERS = ["m1", "m2", "m3"];
const WORKERS = ["w1", "w2"];
let inv: Inventory;
let stack: Stack | undefined;
let kubeconfig: string;
let mirror: ArtifactServer | undefined;
let firstError = "";
let w1AfterFirst: string[] = [];
const W1 = "10.213.0.21";
const report: string[] = [];

/**
 * Shell that prints the subject (RFC 2253) of every certificate under /etc/kubernetes: PEM files
 * and the base64 `*-data` of kubeconfigs, each split into its certificates and read by openssl.
 */
const CERT_SUBJECTS = [
    'set -eu; d="$(mktemp -d)"; trap \'rm -rf "$d"\' EXIT; i=0',
    'certs() { awk -v p="$d/c$1-" \'/-----BEGIN CERTIFICATE-----/{n++; o=p n ".pem"} o{print > o} /-----END CERTIFICATE-----/{close(o); o=""}\'; }',
    "for f in $(find /etc/kubernetes -type f); do",
    '  i=$((i+1)); certs "$i" < "$f"',
    '  for b in $(grep -oE "[a-z-]+-data: [A-Za-z0-9+/=]+" "$f" | cut -d" " -f2); do i=$((i+1)); echo "$b" | base64 -d | certs "$i"; done',
    "done",
    'for c in "$d"/*.pem; do openssl x509 -noout -subject -nameopt RFC2253 -in "$c"; done',
].join("\n");

/** kubectl on m1 with ha-kubernetes' own credential (its operator group). */
const OPERATOR_KUBECTL = "kubectl --kubeconfig=/etc/kubernetes/admin.kubeconfig --request-timeout=10s";

/** kubectl's error output for `args`, "" when it succeeded. */
function refusal(kubeconfig: string, args: string[]): string {
    try {
        kubectl(kubeconfig, args);
        return "";
    } catch (e) {
        return String((e as { stderr?: string }).stderr ?? e);
    }
}

beforeAll(async () => {
    // Debian 13 hosts (the other suites run on Debian 12)
    inv = freshLab("e2e-nginx-flannel", { masters: 3, workers: 2, lb: 1, release: "trixie" });
    // binaries downloaded by the hosts, as most users' are: from the lab's mirror on the bridge,
    // which first serves w1 a tampered kubelet
    mirror = await startArtifactServer(inv, bundleDir());
    mirror.tamper({ file: "kubelet", address: W1 });
    stack = await labStack("e2e-nginx-flannel", labConfig(inv, { lbMode: "nginx", podNetwork: "flannel", flannelBackend: "vxlan", artifacts: mirror.artifacts }));
    // --continue-on-error, as the README tells users with a failing host: w1's refusal stops
    // only what depends on its kubelet, and every other resource of every host is done
    const first = await timed(() =>
        stack!.up({ onOutput: pulumiLog(stack!), continueOnError: true }).then(
            () => "",
            (e: Error) => e.message,
        ),
    );
    firstError = first.result;
    w1AfterFirst = sshOk(inv, "w1", "ls /usr/local/bin; ls /usr/local/bin/.kubelet* 2>/dev/null || true").trim().split(/\s+/);
    report.push(`nginx-flannel: pulumi up with a tampered kubelet for w1 ${first.seconds}s (failed, as it must)`);
    mirror.tamper(undefined);
    const up = await timed(() => stack!.up({ onOutput: pulumiLog(stack!) }));
    report.push(`the next pulumi up ${up.seconds}s (engine CPU ${up.cpu}s)`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    process.stdout.write(`\n[e2e] ${report.join("; ")}\n`);
    await mirror?.close();
    if (process.env.HA_K8S_E2E_KEEP === "1") return;
    if (stack) await stack.destroy({ onOutput: pulumiLog(stack) }).catch((e) => process.stdout.write(`destroy failed: ${e}\n`));
    labDown();
});

describe("nginx load balancer on its own host, flannel pod network", () => {
    it("hosts download their binaries and check each: a tampered kubelet is refused on w1, naming it, and nothing is installed from it; every other host installs; the next run completes w1", () => {
        expect(firstError).toContain("ha-kubernetes: checksum mismatch for kubelet on w1");
        expect(firstError).not.toMatch(/checksum mismatch for \S+ on (?!w1)/);
        // the first run went on everywhere else: every other node has its kubelet from the mirror
        const fetched = (addr: string) => mirror!.served.filter((s) => s.startsWith(`${addr} `)).map((s) => s.split(" ")[1]);
        for (const h of inv.hosts.filter((x) => x.name !== "lb1"))
            expect({ host: h.name, kubelet: fetched(h.address).includes("kubelet") }).toEqual({ host: h.name, kubelet: true });
        expect(fetched(W1).filter((f) => f === "kubelet").length).toBe(2); // the tampered copy, then the good one
        expect(fetched(LB)).toEqual([]); // nginx comes from the host's packages
        // after the first run, w1 had its other binaries (the run went on past the refusal) but
        // no kubelet, not even a partial one
        expect(w1AfterFirst).toEqual(expect.arrayContaining(["kube-proxy", "kubectl", "flanneld"]));
        expect(w1AfterFirst.filter((f) => f.includes("kubelet"))).toEqual([]);
        // w1's kubelet now is the bundle's, byte for byte
        expect(sshOk(inv, "w1", "sha256sum /usr/local/bin/kubelet").split(" ")[0]).toBe(mirror!.artifacts.sha256.kubelet);
    });

    it("runs on Debian 13 (trixie) hosts: every node reports it", () => {
        for (const h of inv.hosts)
            expect({ host: h.name, release: sshOk(inv, h.name, ". /etc/os-release && echo $VERSION_ID $VERSION_CODENAME").trim() }).toEqual({ host: h.name, release: "13 trixie" });
        const images = kubectl(kubeconfig, ["get", "nodes", "-o", 'jsonpath={range .items[*]}{.status.nodeInfo.osImage}{"\\n"}{end}']).trim().split("\n");
        expect(images).toEqual([...MASTERS, ...WORKERS].map(() => "Debian GNU/Linux 13 (trixie)"));
    });

    it("the API answers through nginx for admins and nodes; etcd is healthy", async () => {
        expect(kubeconfig).toContain(`server: https://${LB}:6443`);
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        expectEtcdHealthy(inv, "m1", 3);
        await nodesReady(kubeconfig, WORKERS);
        for (const w of WORKERS) expect(ssh(inv, w, "cat /var/lib/kubelet/kubeconfig").out).toContain(`server: https://${LB}:6443`);
        expect(ssh(inv, "lb1", "systemctl is-active nginx").out.trim()).toBe("active");
    });

    it("flannel gives each node (masters too) its own pod subnet and a vxlan device", async () => {
        await nodesReady(kubeconfig, MASTERS);
        const nodes = [...MASTERS, ...WORKERS];
        const cidrs = kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]).trim().split(/\s+/);
        expect(cidrs).toHaveLength(nodes.length);
        expect(new Set(cidrs).size).toBe(nodes.length);
        for (const n of nodes) expect(ssh(inv, n, "ip -d link show flannel.1").out).toContain("vxlan");
    });

    it("pods on two workers reach each other, and through a Service", async () => {
        await expectPodAndService(inv, kubeconfig, "w1", "w2");
        const podIp = kubectl(kubeconfig, ["get", "pod", "client-w2", "-o", "jsonpath={.status.podIP}"]).trim();
        // and the other way round: w1's pod reaches w2's pod across the vxlan overlay
        await eventually("testapp (w1) -> client-w2 (w2)", () => httpFromPod(kubeconfig, "testapp", podIp, 8080).includes("testapp client-w2"), 90_000);
        const cidrW2 = kubectl(kubeconfig, ["get", "node", "w2", "-o", "jsonpath={.spec.podCIDR}"]).trim();
        expect(ssh(inv, "w1", "ip route").out).toMatch(new RegExp(`${cidrW2.replace(/[./]/g, "\\$&")} via \\S+ dev flannel\\.1`));
    });

    it("cluster DNS answers in pods; every apiserver reaches pods over flannel", async () => {
        await expectClusterDns(kubeconfig, "client-w2");
        await expectApiserversReachPods(inv, kubeconfig, MASTERS, "testapp");
    });

    it("secure by default: anonymous requests reach only the health endpoints; Pod Security baseline refuses a privileged pod", () => {
        const status = (p: string) => sshOk(inv, "m1", `curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:6443${p}`).trim();
        for (const p of ["/readyz", "/livez", "/healthz"]) expect({ p, status: status(p) }).toEqual({ p, status: "200" });
        for (const p of ["/api", "/version", "/apis", "/openapi/v2"]) expect({ p, status: status(p) }).toEqual({ p, status: "401" });
        const privileged = JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "privileged", namespace: "default" },
            spec: { containers: [{ name: "c", image: "ha-kubernetes.local/testapp:1.0", securityContext: { privileged: true } }] },
        });
        let refused = "";
        try {
            kubectl(kubeconfig, ["apply", "--dry-run=server", "-f", "-"], privileged);
        } catch (e) {
            refused = String((e as { stderr?: string }).stderr ?? e);
        }
        expect(refused).toMatch(/violates PodSecurity "baseline:latest": privileged/);
    });

    it("admin credentials: the exported kubeconfig is a revocable group, no master holds a system:masters certificate, break-glass comes from the state", async () => {
        const whoami = (k: string) => JSON.parse(kubectl(k, ["auth", "whoami", "-o", "json"])).status.userInfo as { username: string; groups: string[] };
        const admin = whoami(kubeconfig);
        expect(admin.username).toBe("ha-kubernetes-admin");
        expect(admin.groups).toContain(DEFAULT_ADMIN_GROUP);
        expect(admin.groups).not.toContain("system:masters");
        expect((await stack!.outputs()).breakGlassKubeconfig).toBeUndefined();
        // every certificate under /etc/kubernetes on each master: none in system:masters, and not the exported admin one
        let scanned = 0;
        for (const m of MASTERS) {
            const subjects = sshOk(inv, m, CERT_SUBJECTS).trim().split("\n");
            scanned += subjects.length;
            // (openssl prints the names in the certificate's order, last first)
            expect(subjects.filter((x) => x.includes("CN=ha-kubernetes-operator") && x.includes("O=ha-kubernetes:operators"))).toHaveLength(1);
            expect(subjects.length).toBeGreaterThan(10);
            expect({ m, masters: subjects.filter((s) => /system:masters|CN=ha-kubernetes-(admin|break-glass)\b/.test(s)) }).toEqual({ m, masters: [] });
        }
        // the masters' own credential is cluster-admin through its own binding
        expect(JSON.parse(sshOk(inv, "m1", `${OPERATOR_KUBECTL} auth whoami -o json`)).status.userInfo.groups).toContain("ha-kubernetes:operators");
        // revoked: the binding deleted (with the masters' credential), the exported kubeconfig gets 403
        const t0 = Date.now();
        sshOk(inv, "m1", `${OPERATOR_KUBECTL} delete clusterrolebinding ${DEFAULT_ADMIN_GROUP}`);
        await eventually(
            "the admin kubeconfig refused",
            () => /\(Forbidden\).*User "ha-kubernetes-admin" cannot list resource "namespaces"/.test(refusal(kubeconfig, ["get", "ns"])),
            30_000,
            250,
        );
        const revokedMs = Date.now() - t0;
        expect(sshOk(inv, "m1", `${OPERATOR_KUBECTL} get ns default -o name`).trim()).toBe("namespace/default");
        // break-glass, assembled from the state as README "Admin credentials" says, is system:masters and still admitted
        const breakGlass = execFileSync("bash", ["examples/break-glass-kubeconfig.sh", "--stack", stack!.name], {
            cwd: ROOT,
            env: { ...process.env, ...stackEnv(stack!.name) },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        expect(whoami(breakGlass)).toMatchObject({ username: "ha-kubernetes-break-glass", groups: expect.arrayContaining(["system:masters"]) });
        expect(kubectl(breakGlass, ["get", "ns", "default", "-o", "name"]).trim()).toBe("namespace/default");
        // restored: the same binding applied again
        sshOk(inv, "m1", `${OPERATOR_KUBECTL} apply --server-side --force-conflicts --field-manager=ha-kubernetes -f -`, renderAdminBindings({ adminGroup: DEFAULT_ADMIN_GROUP }));
        await eventually("the admin kubeconfig admitted again", () => refusal(kubeconfig, ["get", "ns", "default", "-o", "name"]) === "", 30_000, 250);
        report.push(`admin credentials: ${scanned} certificates on the masters, none system:masters; revoked in ${revokedMs} ms`);
    });

    it("CIS 1.12 sections 1, 2 and 4: every check of tests/e2e/cis.ts holds on a master (etcd stacked) and on a worker", () => {
        const failures = [...cisFailures(inv, "m1", [...MASTER_CHECKS, ...ETCD_CHECKS, ...NODE_CHECKS]), ...cisFailures(inv, "w1", NODE_CHECKS)];
        expect(failures).toEqual([]);
        report.push(`CIS checks: ${MASTER_CHECKS.length + ETCD_CHECKS.length + 2 * NODE_CHECKS.length} held`);
    });

    it("rotates the encryption key as a configuration change: the API answers throughout, a Secret from before reads back, etcd holds only new-key ciphertext", async () => {
        const canary = `rotation-canary-${Date.now()}`;
        kubectl(kubeconfig, ["create", "secret", "generic", "rotation-canary", "-n", "default", `--from-literal=value=${canary}`]);
        // every Secret as etcd stores it (values base64 in etcdctl's JSON)
        const stored = () => {
            const r = etcdctl(inv, "m1", "get --prefix /registry/secrets/ -w json");
            expect(r.code).toBe(0);
            const kvs = (JSON.parse(r.out).kvs ?? []) as Array<{ key: string; value: string }>;
            return kvs.map((kv) => ({ key: Buffer.from(kv.key, "base64").toString(), value: Buffer.from(kv.value, "base64").toString("latin1") }));
        };
        const prefixes = (kvs: Array<{ value: string }>) => [...new Set(kvs.map((kv) => /^k8s:enc:[a-z]+:v1:[a-z0-9-]+:/.exec(kv.value)?.[0] ?? "plaintext"))];
        const before = stored();
        expect(before.some((kv) => kv.key === "/registry/secrets/default/rotation-canary")).toBe(true);
        expect(prefixes(before)).toEqual(["k8s:enc:secretbox:v1:key1:"]);
        expect(before.filter((kv) => kv.value.includes(canary))).toEqual([]);
        await stack!.setConfig("ha-kubernetes:controlPlane", { value: JSON.stringify({ encryption: { key: "key2" } }) });
        const probe = startApiProbe(kubeconfig);
        const rotated = await timed(() => upRecording(stack!));
        const seen = probe.stop();
        report.push(
            `encryption key rotated ${rotated.seconds}s (API probe: ${seen.ok} answered, ${seen.retried} of them on a retry ${JSON.stringify(seen.retryErrors)}, ${seen.failed} failed)`,
        );
        expect(rotated.result.changed["lab-cp-encryption-rotation"]).toBe("update");
        expect({ failed: seen.failed, errors: seen.errors }).toEqual({ failed: 0, errors: [] });
        expect(seen.ok).toBeGreaterThan(10);
        const value = kubectl(kubeconfig, ["get", "secret", "rotation-canary", "-n", "default", "-o", "jsonpath={.data.value}"]).trim();
        expect(Buffer.from(value, "base64").toString()).toBe(canary);
        const after = stored();
        expect(after.length).toBeGreaterThanOrEqual(before.length);
        expect(prefixes(after)).toEqual(["k8s:enc:secretbox:v1:key2:"]);
        expect(after.filter((kv) => kv.value.includes(canary))).toEqual([]);
        // the old key is gone from every master; the new one is the only key
        for (const m of MASTERS) {
            const file = sshOk(inv, m, "cat /etc/kubernetes/encryption-config.yaml");
            expect({ m, names: [...file.matchAll(/- name: (\S+)/g)].map((x) => x[1]) }).toEqual({ m, names: ["key2"] });
        }
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
    });

    it("a second pulumi up changes nothing and pulumi preview is clean", async () => {
        const again = await timed(() => stack!.up());
        report.push(`no-op up ${again.seconds}s (engine CPU ${again.cpu}s)`);
        expect(changes(again.result)).toEqual({});
        expect(await previewChanges(stack!)).toEqual({});
    });

    it("renews every leaf certificate on request: services roll one host at a time, the cluster keeps working", async () => {
        const hash = (h: string, f: string) => sshOk(inv, h, `sha256sum ${f}`).split(" ")[0];
        const leaf: Array<[string, string]> = [
            ["m1", "/etc/kubernetes/pki/apiserver.crt"],
            ["m2", "/etc/etcd/pki/peer.crt"],
            ["w1", "/var/lib/kubelet/pki/kubelet.crt"],
            ["w2", "/var/lib/kube-proxy/kubeconfig"],
        ];
        const before = leaf.map(([h, f]) => hash(h, f));
        const caBefore = hash("w1", "/etc/kubernetes/pki/ca.crt");
        const expiryBefore = (await stack!.outputs()).certificateExpiry.value as Record<string, string>;
        await stack!.setConfig("ha-kubernetes:certificates", { value: JSON.stringify({ renewal: "e2e-renewal-1" }) });
        const renewed = await timed(() => upRecording(stack!));
        report.push(`certificates renewed ${renewed.seconds}s`);
        leaf.forEach(([h, f], i) => expect({ h, f, changed: hash(h, f) !== before[i] }).toEqual({ h, f, changed: true }));
        expect(hash("w1", "/etc/kubernetes/pki/ca.crt")).toBe(caBefore);
        const expiry = (await stack!.outputs()).certificateExpiry.value as Record<string, string>;
        for (const [k, v] of Object.entries(expiry)) expect({ k, renewed: v !== expiryBefore[k] }).toEqual({ k, renewed: !k.startsWith("ca/") });
        // every service rolled, one host at a time: etcd members, masters, then workers
        const restarts = Object.keys(renewed.result.changed).filter((n) => n.endsWith("-restart"));
        for (const r of ["etcd-m1-etcd", "etcd-m2-etcd", "etcd-m3-etcd", "cp-m1-cp", "cp-m2-cp", "cp-m3-cp", "workers-w1-node", "workers-w2-node"])
            expect(restarts).toContain(`lab-${r}-restart`);
        const t = (h: string, u: string) => activeSince(inv, h, u);
        expect(t("m1", "etcd")).toBeLessThan(t("m2", "etcd"));
        expect(t("m2", "etcd")).toBeLessThan(t("m3", "etcd"));
        expect(t("m3", "etcd")).toBeLessThan(t("m1", "kube-apiserver"));
        expect(t("m1", "kube-apiserver")).toBeLessThan(t("m2", "kube-apiserver"));
        expect(t("w1", "kubelet")).toBeLessThan(t("w2", "kubelet"));
        // each node was cordoned and drained through the API before its restart (rollout.drain
        // defaults to true) and uncordoned by its Ready gate: none is left unschedulable
        for (const n of [...MASTERS, ...WORKERS]) expect({ n, drain: renewed.result.changed[`lab-workers-${n}-node-drain`] }).toEqual({ n, drain: "update" });
        // the cluster works with the new certificates (the admin kubeconfig too)
        kubeconfig = (await stack!.outputs()).kubeconfig.value as string;
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        await nodesReady(kubeconfig, WORKERS);
        expect(kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].spec.unschedulable}"]).trim()).toBe("");
        expectEtcdHealthy(inv, "m1", 3);
        expect(await previewChanges(stack!)).toEqual({});
    });

    it("a host whose SSH host key changed is refused before anything is sent to it; pinning its new key lets the next run through", async () => {
        const endpoint = "10.213.0.22:22";
        const recorded = (await stack!.outputs()).sshHostKeys.value as Record<string, string>;
        expect(Object.keys(recorded).sort()).toEqual(inv.hosts.map((h) => `${h.address}:22`).sort());
        const hostPub = (h: string) => sshOk(inv, h, "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub").trim();
        expect(recorded[endpoint]).toBe(hostPub("w2")); // trusted on first use: the key the host has
        // w2 "re-installed": new host keys
        sshOk(inv, "w2", "rm -f /etc/ssh/ssh_host_* && ssh-keygen -q -A && systemctl restart ssh");
        const rekeyed = hostPub("w2");
        const cursor = sshOk(inv, "w2", "journalctl -u ssh -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'").trim();
        const err = await stack!.up({ onOutput: pulumiLog(stack!) }).then(
            () => "",
            (e: Error) => e.message,
        );
        expect(err).toMatch(/SSH host key\(s\) changed; nothing was changed on any host/);
        expect(err).toMatch(/the SSH host key of w2 \(10\.213\.0\.22:22\) changed: expected SHA256:[A-Za-z0-9+/]{43}, it presented SHA256:[A-Za-z0-9+/]{43}; nothing was sent/);
        expect(err).not.toMatch(/host key of (m1|m2|m3|w1|lb1)\b/);
        // nothing reached w2 after the re-key: the only login since is this check's own
        const logins = sshOk(inv, "w2", `journalctl -u ssh --after-cursor='${cursor}' -o cat | grep -c '^Accepted ' || true`).trim();
        expect(logins).toBe("1");
        // accepted as README "SSH host keys" says: its new key pinned in the host's entry
        const hosts = JSON.parse((await stack!.getConfig("ha-kubernetes:hosts")).value) as Array<Record<string, unknown>>;
        await stack!.setConfig("ha-kubernetes:hosts", { value: JSON.stringify(hosts.map((h) => (h.name === "w2" ? { ...h, sshHostKey: rekeyed } : h))) });
        const pinned = await timed(() => stack!.up({ onOutput: pulumiLog(stack!) }));
        report.push(`re-keyed host pinned ${pinned.seconds}s`);
        expect(((await stack!.outputs()).sshHostKeys.value as Record<string, string>)[endpoint]).toBe(rekeyed);
        await nodesReady(kubeconfig, WORKERS);
        expect(await previewChanges(stack!)).toEqual({});
    });

    it("pulumi destroy stops and removes what it installed", async () => {
        const s = stack!;
        stack = undefined;
        const d = await timed(() => s.destroy({ onOutput: pulumiLog(s) }));
        report.push(`destroy ${d.seconds}s (engine CPU ${d.cpu}s)`);
        expect(ssh(inv, "lb1", "systemctl is-active nginx").out.trim()).not.toBe("active");
        expect(ssh(inv, "w1", "ip link show flannel.1").code).not.toBe(0);
        for (const [h, f] of [
            ["m1", "/etc/systemd/system/kube-apiserver.service"],
            ["m1", "/usr/local/bin/kube-apiserver"],
            ["w1", "/etc/systemd/system/kubelet.service"],
            ["w1", "/usr/local/bin/flanneld"],
        ]) {
            expect(ssh(inv, h, `test -e ${f}`).code).not.toBe(0);
        }
        await s.workspace.removeStack("e2e-nginx-flannel");
    });
});
