/**
 * Topology 3: dedicated etcd hosts (3) and 3 masters behind an external load balancer (the
 * user's own: here a haproxy the test sets up on lb1 itself), 1 worker, and topology 5: a
 * private registry with its own CA on the lab bridge (Debian's docker-registry, also on lb1)
 * that the worker pulls the test image from. The product logs in as `deploy`, a user with
 * passwordless sudo (ssh.become: sudo); the test's own checks log in as root.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { LabRegistry, startLabRegistry } from "./registry";
import { activeSince, etcdctl, expectApiserversReachPods, expectClusterDns, expectEtcdHealthy, kubectl, nodesReady, podManifest, podsRunning, startEtcdWriter } from "./cluster";
import { copyBetween, eventually, installedPackages, Inventory, labAptInstall, labDown, mirrorRequests, ssh, sshOk } from "./lab";
import { changes, freshLab, labConfig, labImageArchives, labStack, previewChanges, pulumiLog, timed, upRecording } from "./stack";

let inv: Inventory;
let stack: Stack;
let kubeconfig: string;
let registry: LabRegistry;
/** Each host's Debian packages before the first `up` (the minimal server the lab boots). */
let packagesBefore: Record<string, string[]>;
/** The hosts ha-kubernetes installs on at some point (lb1 is the user's; e4 joins later, e3 leaves). */
const productHosts = () => inv.hosts.filter((h) => h.name !== "lb1").map((h) => h.name);

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

/** The stack over these etcd hosts (e4 is booted but joins later); lb1 is the user's. */
const configFor = (etcdHosts: string[]) =>
    labConfig(
        { ...inv, hosts: inv.hosts.filter((h) => h.name !== "lb1" && (!h.roles.includes("etcd") || etcdHosts.includes(h.name))) },
        {
            lbMode: "external",
            externalAddress: "10.213.0.41",
            etcdTopology: "dedicated",
            registry: { server: registry.server, caPem: registry.caPem },
            // the registry has no DNS name: the nodes resolve it through ha-kubernetes' lines in /etc/hosts
            extraHosts: [{ address: registry.address, names: [registry.name!] }],
            // the pause and CoreDNS images only: testapp comes from the registry
            imageArchives: labImageArchives(["pause", "coredns"]),
            login: { user: inv.sudoUser, become: "sudo" },
        },
    );

beforeAll(async () => {
    inv = freshLab("e2e-dedicated", { masters: 3, workers: 1, etcd: 4, lb: 1 });
    // The user's own load balancer, outside the product (installed by its admin, as any package).
    labAptInstall(inv, "lb1", ["haproxy"]);
    sshOk(inv, "lb1", "cat > /etc/haproxy/haproxy.cfg && systemctl restart haproxy", USER_LB);
    // A private registry with its own CA on the same host; the workers get its CA from the product.
    registry = startLabRegistry(inv, "lb1", "10.213.0.41", "registry.lab.internal");
    packagesBefore = Object.fromEntries(productHosts().map((h) => [h, installedPackages(inv, h)]));
    stack = await labStack("e2e-dedicated", configFor(["e1", "e2", "e3"]));
    const up = await timed(() => stack.up({ onOutput: pulumiLog(stack) }));
    process.stdout.write(`\n[e2e] dedicated: pulumi up ${up.seconds}s (engine CPU ${up.cpu}s)\n`);
    kubeconfig = (await stack.outputs()).kubeconfig.value as string;
});

afterAll(async () => {
    if (stack) {
        await stack.destroy({ onOutput: pulumiLog(stack) });
        // etcd data is kept by default, the service and its files are gone
        expect(ssh(inv, "e1", "test -d /var/lib/etcd/member").code).toBe(0);
        expect(ssh(inv, "e1", "test -e /etc/systemd/system/etcd.service").code).not.toBe(0);
        // ha-kubernetes' lines left w1's /etc/hosts; the admin's stayed
        const hosts = sshOk(inv, "w1", "cat /etc/hosts");
        expect(hosts).not.toContain("ha-kubernetes");
        expect(hosts).toContain("added-by-the-admin");
        // every package ha-kubernetes installed is gone, and nothing the host had before
        for (const h of productHosts()) expect({ host: h, packages: installedPackages(inv, h) }).toEqual({ host: h, packages: packagesBefore[h] });
        await stack.workspace.removeStack("e2e-dedicated");
    }
    labDown();
});

/** The hosts the stack installs (lb1 is the user's). */
const stackHosts = () => inv.hosts.filter((h) => h.name !== "lb1" && h.name !== "e4").map((h) => h.name);

describe("dedicated etcd hosts with an external load balancer", () => {
    it("logged in as the sudo user, not root, and ran its scripts as root through sudo", () => {
        const user = inv.sudoUser;
        for (const h of stackHosts()) {
            // sshd's and sudo's own records on the host: the product's sessions and its sudo commands
            const sessions = sshOk(inv, h, `journalctl -q --no-pager -t sshd | grep -c 'Accepted publickey for ${user} ' || true`).trim();
            const sudos = sshOk(inv, h, `journalctl -q --no-pager -t sudo | grep -cE '${user} : .*USER=root ; COMMAND=[^ ]*/sh -c' || true`).trim();
            expect({ host: h, sessions: Number(sessions) > 0, sudos: Number(sudos) > 0 }).toEqual({ host: h, sessions: true, sudos: true });
        }
        // the harness logs in as root; the stack as the sudo user
        expect(inv.sshUser).toBe("root");
        expect(user).not.toBe("root");
    });

    it("installed what each role needs from the package mirror (packages.source: mirror) onto minimal hosts, and recorded exactly that", () => {
        const requests = mirrorRequests();
        const wants: Record<string, string[]> = { m1: ["curl"], w1: ["containerd", "runc", "conntrack", "iptables", "containernetworking-plugins"] };
        for (const h of stackHosts()) {
            const address = inv.hosts.find((x) => x.name === h)!.address;
            const now = installedPackages(inv, h);
            const added = now.filter((p) => !packagesBefore[h].includes(p));
            // the hosts' records (what destroy removes) list exactly what the installs added
            const recorded = sshOk(inv, h, "find /var/lib/ha-kubernetes/packages -type f ! -name '*.list' ! -name '*.asc' -exec cat {} + | sort -u").split("\n").filter(Boolean);
            expect({ host: h, recorded }).toEqual({ host: h, recorded: added });
            for (const p of wants[h] ?? []) expect({ host: h, p, installed: now.includes(p) }).toEqual({ host: h, p, installed: true });
            // from the mirror: its signed index, then every added package's file
            if (added.length) {
                expect(requests).toContain(`${address} 200 /debian/dists/bookworm/InRelease`);
                for (const p of added)
                    expect({ host: h, p, fetched: requests.some((r) => r.startsWith(`${address} 200 /debian/pool/bookworm/${p}_`)) }).toEqual({ host: h, p, fetched: true });
            }
            // the host's own apt sources were not changed (the product's source is its own file)
            expect(ssh(inv, h, "ls /etc/apt/sources.list.d/ | grep -v '^lab-' || true").out.trim()).toBe("");
        }
        // w1 lacked containerd: the node's install really ran
        expect(packagesBefore.w1).not.toContain("containerd");
    });

    it("wrote its files root-owned 0600 as usual; uploads moved into place as root, the user's upload directory left empty", () => {
        const user = inv.sudoUser;
        const stat = (h: string, files: string[]) =>
            sshOk(inv, h, `stat -c '%n %U:%G %a' ${files.join(" ")}`)
                .trim()
                .split("\n");
        expect(
            stat("m1", [
                "/etc/kubernetes/pki/apiserver.key",
                "/etc/kubernetes/kube-apiserver.env",
                "/etc/kubernetes/admin.kubeconfig",
                "/etc/systemd/system/kube-apiserver.service",
            ]),
        ).toEqual([
            "/etc/kubernetes/pki/apiserver.key root:root 600",
            "/etc/kubernetes/kube-apiserver.env root:root 600",
            "/etc/kubernetes/admin.kubeconfig root:root 600",
            "/etc/systemd/system/kube-apiserver.service root:root 600",
        ]);
        expect(stat("e1", ["/etc/etcd/etcd.env", "/usr/local/bin/etcd"])).toEqual(["/etc/etcd/etcd.env root:root 600", "/usr/local/bin/etcd root:root 755"]);
        // binaries and image archives came from this machine (artifacts.source local): staged by root, 0600
        const staged = sshOk(inv, "w1", "stat -c '%U:%G %a' /var/lib/ha-kubernetes/artifacts/kubelet-* /var/lib/ha-kubernetes/images/*.tar").trim().split("\n");
        expect(staged.length).toBeGreaterThanOrEqual(3);
        expect([...new Set(staged)]).toEqual(["root:root 600"]);
        expect(sshOk(inv, "w1", `stat -c '%U %a' /var/lib/ha-kubernetes/uploads; ls -A /var/lib/ha-kubernetes/uploads`).trim()).toBe(`${user} 700`);
        // nothing else of the product's belongs to the login user (every host got uploads)
        for (const h of stackHosts()) {
            const owned = sshOk(inv, h, `find /etc/kubernetes /etc/etcd /etc/systemd/system /usr/local/bin /var/lib/ha-kubernetes -user ${user} 2>/dev/null || true`).trim();
            expect({ host: h, owned }).toEqual({ host: h, owned: "/var/lib/ha-kubernetes/uploads" });
        }
    });

    it("runs etcd only on the etcd hosts, healthy over TLS", () => {
        expectEtcdHealthy(inv, "e1", 3);
        expect(ssh(inv, "m1", "systemctl is-active etcd").out.trim()).not.toBe("active");
        expect(etcdctl(inv, "e1", "put /e2e/k v").code).toBe(0);
        expect(etcdctl(inv, "e3", "get /e2e/k --print-value-only").out.trim()).toBe("v");
    });

    it("schedules etcd snapshots on every member (etcd-snapshot.timer, on by default); one taken now is a complete snapshot", () => {
        for (const e of ["e1", "e2", "e3"]) {
            expect({ e, state: sshOk(inv, e, "systemctl is-active etcd-snapshot.timer; systemctl is-enabled etcd-snapshot.timer").trim().split("\n") }).toEqual({
                e,
                state: ["active", "enabled"],
            });
            expect(sshOk(inv, e, "cat /etc/systemd/system/etcd-snapshot.timer")).toMatch(/^OnUnitActiveSec=360min$/m);
        }
        sshOk(inv, "e1", "systemctl start etcd-snapshot.service");
        const files = sshOk(inv, "e1", "ls /var/lib/etcd-snapshots/scheduled").trim().split("\n");
        expect(files).toHaveLength(1);
        expect(files[0]).toMatch(/^e1-\d{8}T\d{6}Z\.db$/);
        expect(sshOk(inv, "e1", `stat -c '%a %U' /var/lib/etcd-snapshots/scheduled /var/lib/etcd-snapshots/scheduled/${files[0]}`).trim().split("\n")).toEqual([
            "700 root",
            "600 root",
        ]);
        const status = JSON.parse(sshOk(inv, "e1", `/usr/local/bin/etcdutl snapshot status -w json /var/lib/etcd-snapshots/scheduled/${files[0]}`));
        expect(status.totalKey).toBeGreaterThan(10);
    });

    it("the API answers through the external address and the worker is Ready", async () => {
        expect(kubeconfig).toContain("server: https://10.213.0.41:6443");
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        await nodesReady(kubeconfig, ["w1"]);
    });

    it("the worker pulls the test image from the private registry by its name (ha-kubernetes' lines in /etc/hosts), trusting its CA", async () => {
        expect(registry.server).toBe("registry.lab.internal:5000");
        // the host's own lines kept, ha-kubernetes' block after them; the name resolves on w1 only through it
        const hosts = sshOk(inv, "w1", "cat /etc/hosts");
        expect(hosts).toMatch(/^127\.0\.0\.1\s+localhost/m);
        expect(hosts).toMatch(/# BEGIN ha-kubernetes\n# Managed by ha-kubernetes[^\n]*\n10\.213\.0\.41\tregistry\.lab\.internal\n# END ha-kubernetes\n/);
        expect(sshOk(inv, "w1", "getent hosts registry.lab.internal").trim()).toMatch(/^10\.213\.0\.41\s+registry\.lab\.internal$/);
        expect(ssh(inv, "lb1", "getent hosts registry.lab.internal").code).not.toBe(0); // not a node: not touched
        expect(ssh(inv, "w1", `ctr -n k8s.io images ls -q | grep -F '${registry.server}/'`).out.trim()).toBe("");
        kubectl(
            kubeconfig,
            ["apply", "-f", "-"],
            podManifest("pulled", "w1").replace("ha-kubernetes.local/testapp:1.0", registry.testImage).replace("imagePullPolicy: Never", "imagePullPolicy: Always"),
        );
        await podsRunning(kubeconfig, ["pulled"]);
        expect(kubectl(kubeconfig, ["get", "pod", "pulled", "-o", "jsonpath={.status.containerStatuses[0].image}"]).trim()).toBe(registry.testImage);
        expect(ssh(inv, "w1", `ctr -n k8s.io images ls -q | grep -F '${registry.testImage}'`).out.trim()).toBe(registry.testImage);
        // without the product's CA file containerd would refuse the registry's certificate
        expect(ssh(inv, "w1", `grep -l -F '${registry.server}' -r /etc/containerd/certs.d`).code).toBe(0);
    });

    it("an edited /etc/hosts block is drift: refresh finds it, the next up rewrites exactly it and keeps the host's own lines", async () => {
        sshOk(inv, "w1", "sed -i 's/^10\\.213\\.0\\.41\\t/10.213.0.99\\t/' /etc/hosts && printf '10.213.0.77\\tadded-by-the-admin\\n' >> /etc/hosts");
        expect(sshOk(inv, "w1", "getent hosts registry.lab.internal")).toContain("10.213.0.99");
        await stack.refresh();
        const { changed } = await upRecording(stack);
        const repaired = Object.fromEntries(Object.entries(changed).filter(([n]) => !/-(drain|health|ready|bootstrap|snapshot-copy)$/.test(n)));
        expect(repaired).toEqual({ "lab-workers-w1-node-etc-hosts": "update" }); // nothing restarts for it
        const hosts = sshOk(inv, "w1", "cat /etc/hosts");
        expect(hosts).toContain("10.213.0.77\tadded-by-the-admin\n");
        expect(hosts.match(/# BEGIN ha-kubernetes/g)).toHaveLength(1);
        expect(sshOk(inv, "w1", "getent hosts registry.lab.internal").trim()).toMatch(/^10\.213\.0\.41\s/);
    });

    it("cluster DNS answers in the pod; every apiserver reaches it, and its Service", async () => {
        kubectl(
            kubeconfig,
            ["apply", "-f", "-"],
            "apiVersion: v1\nkind: Service\nmetadata: { name: testapp, namespace: default }\nspec: { selector: { app: pulled }, ports: [{ port: 80, targetPort: 8080 }] }\n",
        );
        kubectl(kubeconfig, ["label", "pod", "pulled", "app=pulled"]);
        await expectClusterDns(kubeconfig, "pulled");
        await expectApiserversReachPods(inv, kubeconfig, ["m1", "m2", "m3"], "pulled");
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
        process.stdout.write(`[e2e] dedicated: no-op up ${again.seconds}s (engine CPU ${again.cpu}s)\n`);
        expect(changes(again.result)).toEqual({});
        expect(await previewChanges(stack)).toEqual({});
    });

    it("replaces an etcd member (e3 by e4) through the membership API while writes go on", async () => {
        const address = (h: string) => inv.hosts.find((x) => x.name === h)!.address;
        const since = (h: string) => activeSince(inv, h, "etcd");
        const before = { e1: since("e1"), e2: since("e2") };
        const writer = startEtcdWriter(inv, "e1");
        await stack.setAllConfig(configFor(["e1", "e2", "e4"]));
        const replaced = await timed(() => upRecording(stack));
        const writes = writer.stop();
        process.stdout.write(`[e2e] dedicated: etcd member replaced ${replaced.seconds}s (writes: ${writes.ok} acknowledged, ${writes.failed} failed)\n`);
        expect({ failed: writes.failed, errors: writes.errors }).toEqual({ failed: 0, errors: [] });
        expect(writes.ok).toBeGreaterThan(10);
        const changed = replaced.result.changed;
        expect([changed["lab-etcd-e4-etcd-join"], changed["lab-etcd-membership"], changed["lab-etcd-e3-etcd-join"]]).toEqual(["create", "update", "delete"]);
        // e4 was added with member add and started as an existing member; e3 left the member list
        expect(sshOk(inv, "e4", "cat /etc/etcd/etcd.env")).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
        const members = etcdctl(inv, "e4", "member list")
            .out.trim()
            .split("\n")
            .map((l) => l.split(", "));
        expect(members.map((f) => `${f[2]} ${f[1]}`).sort()).toEqual(["e1 started", "e2 started", "e4 started"]);
        expectEtcdHealthy(inv, "e4", 3);
        // every acknowledged write is on the new member
        expect(Number(etcdctl(inv, "e4", "get /e2e/writes/ --prefix --keys-only | grep -c /e2e/writes/").out.trim())).toBe(writes.keys);
        // the members that stayed were not restarted; e3's etcd is stopped and its unit gone
        expect({ e1: since("e1"), e2: since("e2") }).toEqual(before);
        expect(ssh(inv, "e3", "systemctl is-active etcd").out.trim()).not.toBe("active");
        expect(ssh(inv, "e3", "test -e /etc/systemd/system/etcd.service").code).not.toBe(0);
        // the apiservers now talk to e4, not e3, and the API answers
        const env = sshOk(inv, "m2", "cat /etc/kubernetes/kube-apiserver.env");
        expect(env).toContain(`https://${address("e4")}:2379`);
        expect(env).not.toContain(`https://${address("e3")}:2379`);
        expect(kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim()).toBe("ok");
        expect(await previewChanges(stack)).toEqual({});
    });

    it("restores etcd from a snapshot with the documented procedure (README, etcd snapshots)", async () => {
        const members = ["e1", "e2", "e4"];
        const address = (h: string) => inv.hosts.find((x) => x.name === h)!.address;
        const snapshot = "/var/lib/etcd-snapshots/e2e-backup.db";
        for (const e of members) sshOk(inv, e, "install -d -m 0700 /var/lib/etcd-snapshots");
        expect(etcdctl(inv, "e1", "put /e2e/restore/kept before").code).toBe(0);
        kubectl(kubeconfig, ["create", "configmap", "before-snapshot", "--from-literal=a=b"]);
        expect(etcdctl(inv, "e1", `snapshot save ${snapshot}`).code).toBe(0);
        expect(etcdctl(inv, "e1", "put /e2e/restore/lost after").code).toBe(0);
        kubectl(kubeconfig, ["create", "configmap", "after-snapshot", "--from-literal=a=b"]);
        // 1. stop every apiserver, then etcd on every member
        for (const m of ["m1", "m2", "m3"]) sshOk(inv, m, "systemctl stop kube-apiserver");
        for (const e of members) sshOk(inv, e, "systemctl stop etcd");
        // 2. the same snapshot on every member, restored there with the current member list
        const cluster = members.map((e) => `${e}=https://${address(e)}:2380`).join(",");
        for (const e of members.filter((x) => x !== "e1")) copyBetween(inv, "e1", e, snapshot);
        for (const e of members) expect(sshOk(inv, e, `ha-kubernetes-etcd-restore ${snapshot} ${cluster}`)).toContain(`${e} restored from ${snapshot}`);
        expect(sshOk(inv, "e2", "ls -d /var/lib/etcd.before-restore-*").trim()).toMatch(/^\/var\/lib\/etcd\.before-restore-\d{8}T\d{6}Z$/);
        // 3. etcd everywhere, then the apiservers
        for (const e of members) sshOk(inv, e, "systemctl start --no-block etcd");
        await eventually(
            "restored etcd healthy",
            () => {
                expectEtcdHealthy(inv, "e1", 3);
                return true;
            },
            120_000,
        );
        for (const m of ["m1", "m2", "m3"]) sshOk(inv, m, "systemctl start kube-apiserver");
        // the snapshot's data is back, later writes are gone
        expect(etcdctl(inv, "e4", "get /e2e/restore/kept --print-value-only").out.trim()).toBe("before");
        expect(etcdctl(inv, "e4", "get /e2e/restore/lost --print-value-only").out.trim()).toBe("");
        await eventually("the API answers after the restore", () => kubectl(kubeconfig, ["get", "--raw", "/readyz"]).trim() === "ok", 120_000);
        expect(kubectl(kubeconfig, ["get", "configmap", "before-snapshot", "-o", "name"]).trim()).toBe("configmap/before-snapshot");
        expect(kubectl(kubeconfig, ["get", "configmap", "--ignore-not-found", "after-snapshot", "-o", "name"]).trim()).toBe("");
        await nodesReady(kubeconfig, ["w1"]);
        // and the stack still describes the hosts
        expect(await previewChanges(stack)).toEqual({});
    });
});
