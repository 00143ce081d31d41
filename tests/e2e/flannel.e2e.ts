/** Topology 4: flannel (vxlan) pod network, stacked etcd, haproxy/keepalived VIP, 2 workers. */
import { Stack } from "@pulumi/pulumi/automation";
import { importImages, kubectl, nodesReady } from "./cluster";
import { eventually, Inventory, labDown, labUp, ssh } from "./lab";
import { labConfig, labStack, timed } from "./stack";

let inv: Inventory;
let stack: Stack;
let kubeconfig: string;

function pod(name: string, node: string): string {
    return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
  nodeName: ${node}
  containers: [{ name: web, image: ha-kubernetes.local/testapp:1.0, imagePullPolicy: Never }]
`;
}

beforeAll(async () => {
    inv = labUp({ masters: 3, workers: 2 });
    stack = await labStack("e2e-flannel", labConfig(inv, { lbMode: "haproxy-keepalived", vip: "10.213.0.100", podNetwork: "flannel", flannelBackend: "vxlan" }));
    const up = await timed(() => stack.up({ onOutput: (s) => process.stdout.write(s) }));
    process.stdout.write(`\n[e2e] flannel: pulumi up ${up.seconds}s\n`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    if (stack) {
        await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
        expect(ssh(inv, "w1", "ip link show flannel.1").code).not.toBe(0);
        await stack.workspace.removeStack("e2e-flannel");
    }
    labDown();
});

describe("flannel pod networking", () => {
    it("gives each node a pod subnet from the controller-manager and a vxlan device", async () => {
        await nodesReady(kubeconfig, ["w1", "w2"]);
        const cidrs = kubectl(kubeconfig, ["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]).trim().split(/\s+/);
        expect(cidrs).toHaveLength(2);
        expect(new Set(cidrs).size).toBe(2);
        for (const w of ["w1", "w2"]) expect(ssh(inv, w, "ip -d link show flannel.1").out).toContain("vxlan");
    });

    it("pods on two workers reach each other", async () => {
        importImages(inv, ["w1", "w2"]);
        kubectl(kubeconfig, ["apply", "-f", "-"], pod("a", "w1") + "---\n" + pod("b", "w2"));
        await eventually("pods Running", () => kubectl(kubeconfig, ["get", "pods", "a", "b", "-o", "jsonpath={.items[*].status.phase}"]).trim() === "Running Running", 180_000);
        const ipB = kubectl(kubeconfig, ["get", "pod", "b", "-o", "jsonpath={.status.podIP}"]).trim();
        await eventually("a -> b", () => kubectl(kubeconfig, ["exec", "a", "--", "wget", "-qO-", "-T", "3", `http://${ipB}:8080/`]).includes("testapp"), 90_000);
    });
});
