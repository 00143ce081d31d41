/**
 * Topologies 2 and 4 in one stack: the source document's nginx stream proxy on its own host in
 * front of 3 masters (stacked etcd), and flannel (vxlan) pod networking on 2 workers. Asserts the
 * API through nginx, flannel's per-node subnets and vxlan devices, pod-to-pod and Service traffic
 * across workers, an unchanged second `pulumi up`, and a destroy that leaves the hosts clean.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { expectEtcdHealthy, expectPodAndService, httpFromPod, importImages, kubectl, nodesReady } from "./cluster";
import { eventually, Inventory, labDown, ssh } from "./lab";
import { changes, freshLab, labConfig, labStack, previewChanges, timed } from "./stack";

const LB = "10.213.0.41";
const WORKERS = ["w1", "w2"];
let inv: Inventory;
let stack: Stack | undefined;
let kubeconfig: string;
const report: string[] = [];

beforeAll(async () => {
    inv = freshLab("e2e-nginx-flannel", { masters: 3, workers: 2, lb: 1 });
    stack = await labStack("e2e-nginx-flannel", labConfig(inv, { lbMode: "nginx", podNetwork: "flannel", flannelBackend: "vxlan" }));
    const up = await timed(() => stack!.up({ onOutput: (s) => process.stdout.write(s) }));
    report.push(`nginx-flannel: pulumi up ${up.seconds}s`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    process.stdout.write(`\n[e2e] ${report.join("; ")}\n`);
    if (process.env.HA_K8S_E2E_KEEP === "1") return;
    if (stack) await stack.destroy({ onOutput: (s) => process.stdout.write(s) }).catch((e) => process.stdout.write(`destroy failed: ${e}\n`));
    labDown();
});

describe("nginx load balancer on its own host, flannel pod network", () => {
    it("the API answers through nginx for admins and nodes; etcd is healthy", async () => {
        expect(kubeconfig).toContain(`server: https://${LB}:6443`);
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        expectEtcdHealthy(inv, "m1", 3);
        await nodesReady(kubeconfig, WORKERS);
        for (const w of WORKERS) expect(ssh(inv, w, "cat /var/lib/kubelet/kubeconfig").out).toContain(`server: https://${LB}:6443`);
        expect(ssh(inv, "lb1", "systemctl is-active nginx").out.trim()).toBe("active");
    });

    it("flannel gives each node its own pod subnet and a vxlan device", () => {
        const cidrs = kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]).trim().split(/\s+/);
        expect(cidrs).toHaveLength(WORKERS.length);
        expect(new Set(cidrs).size).toBe(WORKERS.length);
        for (const w of WORKERS) expect(ssh(inv, w, "ip -d link show flannel.1").out).toContain("vxlan");
    });

    it("pods on two workers reach each other, and through a Service", async () => {
        importImages(inv, WORKERS);
        await expectPodAndService(inv, kubeconfig, "w1", "w2");
        const podIp = kubectl(kubeconfig, ["get", "pod", "client-w2", "-o", "jsonpath={.status.podIP}"]).trim();
        // and the other way round: w1's pod reaches w2's pod across the vxlan overlay
        await eventually("testapp (w1) -> client-w2 (w2)", () => httpFromPod(kubeconfig, "testapp", podIp, 8080).includes("testapp client-w2"), 90_000);
        const cidrW2 = kubectl(kubeconfig, ["get", "node", "w2", "-o", "jsonpath={.spec.podCIDR}"]).trim();
        expect(ssh(inv, "w1", "ip route").out).toMatch(new RegExp(`${cidrW2.replace(/[./]/g, "\\$&")} via \\S+ dev flannel\\.1`));
    });

    it("a second pulumi up changes nothing and pulumi preview is clean", async () => {
        const again = await timed(() => stack!.up());
        report.push(`no-op up ${again.seconds}s`);
        expect(changes(again.result)).toEqual({});
        expect(await previewChanges(stack!)).toEqual({});
    });

    it("pulumi destroy stops and removes what it installed", async () => {
        const s = stack!;
        stack = undefined;
        const d = await timed(() => s.destroy({ onOutput: (x) => process.stdout.write(x) }));
        report.push(`destroy ${d.seconds}s`);
        expect(ssh(inv, "lb1", "systemctl is-active nginx").out.trim()).not.toBe("active");
        expect(ssh(inv, "w1", "ip link show flannel.1").code).not.toBe(0);
        for (const [h, f] of [["m1", "/etc/systemd/system/kube-apiserver.service"], ["m1", "/usr/local/bin/kube-apiserver"], ["w1", "/etc/systemd/system/kubelet.service"], ["w1", "/usr/local/bin/flanneld"]]) {
            expect(ssh(inv, h, `test -e ${f}`).code).not.toBe(0);
        }
        await s.workspace.removeStack("e2e-nginx-flannel");
    });
});
