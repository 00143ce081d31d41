/**
 * Topology 3: dedicated etcd hosts (3) and 3 masters behind an external load balancer (the
 * user's own: here a haproxy the test sets up on lb1 itself), 1 worker.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { etcdctl, expectEtcdHealthy, kubectl, nodesReady } from "./cluster";
import { Inventory, labDown, labUp, ssh, sshOk } from "./lab";
import { changes, labConfig, labStack, timed, freshLab } from "./stack";

let inv: Inventory;
let stack: Stack;
let kubeconfig: string;

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
    const hosts = { ...inv, hosts: inv.hosts.filter((h) => h.name !== "lb1") };
    stack = await labStack("e2e-dedicated", labConfig(hosts, { lbMode: "external", externalAddress: "10.213.0.41", etcdTopology: "dedicated" }));
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

    it("stops one etcd member: writes go on; started again it rejoins with no data lost", async () => {
        sshOk(inv, "e2", "systemctl stop etcd");
        expect(etcdctl(inv, "e1", "put /e2e/during-outage yes").code).toBe(0);
        expect(kubectl(kubeconfig, ["create", "configmap", "during-outage", "--from-literal=a=b"])).toContain("created");
        sshOk(inv, "e2", "systemctl start etcd");
        expect(etcdctl(inv, "e2", "get /e2e/during-outage --print-value-only").out.trim()).toBe("yes");
        expectEtcdHealthy(inv, "e2", 3);
    });

    it("a second pulumi up changes nothing", async () => {
        const again = await stack.up();
        expect(changes(again)).toEqual({});
    });
});
