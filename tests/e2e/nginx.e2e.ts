/** Topology 2: nginx stream proxy on its own host in front of 3 masters (stacked etcd), 2 workers. */
import { Stack } from "@pulumi/pulumi/automation";
import { expectEtcdHealthy, expectPodAndService, importImages, kubectl, nodesReady } from "./cluster";
import { Inventory, labDown, labUp, ssh } from "./lab";
import { changes, labConfig, labStack, timed } from "./stack";

let inv: Inventory;
let stack: Stack;
let kubeconfig: string;

beforeAll(async () => {
    inv = labUp({ masters: 3, workers: 2, lb: 1 });
    stack = await labStack("e2e-nginx", labConfig(inv, { lbMode: "nginx" }));
    const up = await timed(() => stack.up({ onOutput: (s) => process.stdout.write(s) }));
    process.stdout.write(`\n[e2e] nginx: pulumi up ${up.seconds}s\n`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    if (stack) {
        await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
        // destroy stopped and removed what it installed
        expect(ssh(inv, "lb1", "systemctl is-active nginx").out.trim()).not.toBe("active");
        expect(ssh(inv, "m1", "test -e /etc/systemd/system/kube-apiserver.service || test -e /usr/local/bin/kube-apiserver").code).not.toBe(0);
        await stack.workspace.removeStack("e2e-nginx");
    }
    labDown();
});

describe("nginx load balancer on its own host", () => {
    it("balances the apiservers for admins and nodes", async () => {
        expect(kubeconfig).toContain("server: https://10.213.0.41:6443");
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        expectEtcdHealthy(inv, "m1", 3);
        await nodesReady(kubeconfig, ["w1", "w2"]);
        expect(ssh(inv, "w1", "grep -c 'server: https://10.213.0.41:6443' /var/lib/kubelet/kubeconfig").out.trim()).toBe("1");
    });

    it("runs a pod reachable through its Service from the other worker", async () => {
        importImages(inv, ["w1", "w2"]);
        await expectPodAndService(inv, kubeconfig, "w2", "w1");
    });

    it("a second pulumi up changes nothing", async () => {
        const again = await timed(() => stack.up());
        process.stdout.write(`[e2e] nginx: no-op up ${again.seconds}s\n`);
        expect(changes(again.result)).toEqual({});
    });
});
