/**
 * Topology 3: dedicated etcd hosts (3) and 3 masters behind an external load balancer (the
 * user's own: here a haproxy the test sets up on lb1 itself), 1 worker, and topology 5: a
 * private registry with its own CA on the lab bridge (Debian's docker-registry, also on lb1)
 * that the worker pulls the test image from.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { LabRegistry, startLabRegistry } from "./registry";
import { etcdctl, expectEtcdHealthy, importImages, kubectl, nodesReady, podManifest, podsRunning } from "./cluster";
import { Inventory, labDown, labUp, ssh, sshOk } from "./lab";
import { changes, freshLab, labConfig, labStack, previewChanges, timed } from "./stack";

let inv: Inventory;
let stack: Stack;
let kubeconfig: string;
let registry: LabRegistry;

const USER_LB = `global
    maxconn 1000
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend api
    bind *:6443
    default_backend masters
backend masters
    server m1 10.213.0.11:6443 check
    server m2 10.213.0.12:6443 check
    server m3 10.213.0.13:6443 check
`;

beforeAll(async () => {
    inv = freshLab("e2e-dedicated", { masters: 3, workers: 1, etcd: 3, lb: 1 });
    // The user's own load balancer, outside the product.
    sshOk(inv, "lb1", "cat > /etc/haproxy/haproxy.cfg && systemctl restart haproxy", USER_LB);
    // A private registry with its own CA on the same host; the workers get its CA from the product.
    registry = startLabRegistry(inv, "lb1", "10.213.0.41");
    const hosts = { ...inv, hosts: inv.hosts.filter((h) => h.name !== "lb1") };
    stack = await labStack("e2e-dedicated", labConfig(hosts, { lbMode: "external", externalAddress: "10.213.0.41", etcdTopology: "dedicated", registry: { server: registry.server, caPem: registry.caPem } }));
    const up = await timed(() => stack.up({ onOutput: (s) => process.stdout.write(s) }));
    process.stdout.write(`\n[e2e] dedicated: pulumi up ${up.seconds}s\n`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    if (stack) {
        await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
        // etcd data is kept by default, the service and its files are gone
        expect(ssh(inv, "e1", "test -d /var/lib/etcd/member").code).toBe(0);
        expect(ssh(inv, "e1", "test -e /etc/systemd/system/etcd.service").code).not.toBe(0);
        await stack.workspace.removeStack("e2e-dedicated");
    }
    labDown();
});

describe("dedicated etcd hosts with an external load balancer", () => {
    it("runs etcd only on the etcd hosts, healthy over TLS", () => {
        expectEtcdHealthy(inv, "e1", 3);
        expect(ssh(inv, "m1", "systemctl is-active etcd").out.trim()).not.toBe("active");
        expect(etcdctl(inv, "e1", "put /e2e/k v").code).toBe(0);
        expect(etcdctl(inv, "e3", "get /e2e/k --print-value-only").out.trim()).toBe("v");
    });

    it("the API answers through the external address and the worker is Ready", async () => {
        expect(kubeconfig).toContain("server: https://10.213.0.41:6443");
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        await nodesReady(kubeconfig, ["w1"]);
    });

    it("the worker pulls the test image from the private registry, trusting its CA", async () => {
        importImages(inv, ["w1"]);  // the pause image only: testapp comes from the registry
        expect(ssh(inv, "w1", `ctr -n k8s.io images ls -q | grep -F '${registry.server}/'`).out.trim()).toBe("");
        kubectl(kubeconfig, ["apply", "-f", "-"], podManifest("pulled", "w1").replace("ha-kubernetes.local/testapp:1.0", registry.testImage).replace("imagePullPolicy: Never", "imagePullPolicy: Always"));
        await podsRunning(kubeconfig, ["pulled"]);
        expect(kubectl(kubeconfig, ["get", "pod", "pulled", "-o", "jsonpath={.status.containerStatuses[0].image}"]).trim()).toBe(registry.testImage);
        expect(ssh(inv, "w1", `ctr -n k8s.io images ls -q | grep -F '${registry.testImage}'`).out.trim()).toBe(registry.testImage);
        // without the product's CA file containerd would refuse the registry's certificate
        expect(ssh(inv, "w1", `grep -l -F '${registry.server}' -r /etc/containerd/certs.d`).code).toBe(0);
    });

    it("stops one etcd member: writes go on; started again it rejoins with no data lost", async () => {
        sshOk(inv, "e2", "systemctl stop etcd");
        expect(etcdctl(inv, "e1", "put /e2e/during-outage yes").code).toBe(0);
        expect(kubectl(kubeconfig, ["create", "configmap", "during-outage", "--from-literal=a=b"])).toContain("created");
        sshOk(inv, "e2", "systemctl start etcd");
        expect(etcdctl(inv, "e2", "get /e2e/during-outage --print-value-only").out.trim()).toBe("yes");
        expectEtcdHealthy(inv, "e2", 3);
    });

    it("a second pulumi up changes nothing and pulumi preview is clean", async () => {
        const again = await timed(() => stack.up());
        process.stdout.write(`[e2e] dedicated: no-op up ${again.seconds}s\n`);
        expect(changes(again.result)).toEqual({});
        expect(await previewChanges(stack)).toEqual({});
    });
});
