import YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { deployCluster, ENCRYPTION_KEY, installMocks, KEY_MARK, promiseOf, Recorded, dependsOnNames, outputResourceNames } from "./mocks";
import { ClusterArgs } from "../../components/config";
import { HaKubernetesCluster } from "../../components/cluster";
import { SNAPSHOTS_KEPT } from "../../components/etcdCluster";
import { renderAdminBindings } from "../../components/render/rbac";
import { baseCluster, TEST_CA_MARK, TEST_CA_PEM, withHosts } from "./fixtures";

import { commands, content, files, get, SECRETS } from "./clusterHelpers";

const seen = installMocks();

const deploy = (args: ClusterArgs) => deployCluster(seen, args);

describe("HaKubernetesCluster (stacked etcd, haproxy-keepalived, bridge)", () => {
    let res: Map<string, Recorded>;
    let cluster: HaKubernetesCluster;
    beforeAll(async () => {
        ({ cluster, res } = await deploy(
            baseCluster({
                registry: { server: "registry.lab.test:5000", caPem: TEST_CA_PEM, username: "puller", password: "s3cr3t-registry" },
            }),
        ));
    }, 300_000); // the first deployment also pays for compiling the modules

    it("registers the four components with their type tokens", () => {
        const types = [...res.values()].map((r) => r.type);
        for (const t of ["EtcdCluster", "ControlPlane", "LoadBalancer", "WorkerPool", "ClusterPki"]) {
            expect(types).toContain(`ha-kubernetes:components:${t}`);
        }
    });

    it("names host children by host key, never by index, and parents every child", () => {
        for (const r of res.values()) {
            if (r.name === "lab") continue;
            expect(r.opts?.parent).toBeDefined();
            expect(r.name).not.toMatch(/-\d+-/);
        }
        for (const h of ["m1", "m2", "m3"]) expect(res.has(`lab-etcd-${h}-etcd-restart`)).toBe(true);
        for (const h of ["w1", "w2"]) expect(res.has(`lab-workers-${h}-node-restart`)).toBe(true);
    });

    it("lists every etcd peer in each member's initial cluster, over https", () => {
        for (const h of ["m1", "m2", "m3"]) {
            const env: string = content(res, `lab-etcd-${h}-etcd-env`);
            const line = env.split("\n").find((l) => l.startsWith("ETCD_INITIAL_CLUSTER="))!;
            for (const [n, ip] of [
                ["m1", "10.213.0.11"],
                ["m2", "10.213.0.12"],
                ["m3", "10.213.0.13"],
            ])
                expect(line).toContain(`${n}=https://${ip}:2380`);
            expect(env).toMatch(/ETCD_CLIENT_CERT_AUTH="?true/);
            expect(env).toMatch(/ETCD_PEER_CLIENT_CERT_AUTH="?true/);
        }
    });

    it("puts the VIP, every master IP and the first service IP into the apiserver SANs", () => {
        for (const h of ["m1", "m2", "m3"]) {
            const csr = get(res, `lab-cp-${h}-apiserver-csr`).inputs;
            expect(csr.ipAddresses).toEqual(expect.arrayContaining(["10.213.0.100", "10.213.0.11", "10.213.0.12", "10.213.0.13", "10.96.0.1", "127.0.0.1"]));
            expect(csr.dnsNames).toEqual(expect.arrayContaining(["kubernetes.default.svc.cluster.local", "m1", "m2", "m3"]));
        }
    });

    it("issues kubelet certificates as system:node:<name> in system:nodes", () => {
        const csr = get(res, "lab-workers-w1-kubelet-csr").inputs;
        expect(csr.subject).toMatchObject({ commonName: "system:node:w1", organization: "system:nodes" });
        expect(csr.ipAddresses).toEqual(["10.213.0.21"]);
        // the exported admin kubeconfig is in a group RBAC can revoke, not system:masters
        expect(get(res, "lab-cp-admin-csr").inputs.subject).toEqual({ commonName: "ha-kubernetes-admin", organization: "ha-kubernetes:cluster-admins" });
    });

    it("never puts key material or passwords in a command line or environment", () => {
        const cmds = commands(res);
        expect(cmds.length).toBeGreaterThan(40);
        for (const c of cmds) {
            const visible = JSON.stringify([c.inputs.create, c.inputs.update, c.inputs.delete, c.inputs.environment, c.inputs.triggers]);
            for (const s of SECRETS) expect({ name: c.name, leaks: visible.includes(s) ? s : null }).toEqual({ name: c.name, leaks: null });
        }
    });

    it("writes every secret into a 0600 file (content over stdin, never in the provider's outputs)", () => {
        const carrying = files(res).filter((f) => SECRETS.some((s) => String(f.inputs.content ?? "").includes(s)));
        const names = carrying.map((c) => c.name);
        expect(names).toEqual(
            expect.arrayContaining([
                "lab-etcd-m1-etcd-server-key",
                "lab-cp-m1-cp-sa-key",
                "lab-cp-m1-cp-encryption-config",
                "lab-lb-m1-lb-keepalived-conf",
                "lab-workers-w1-node-containerd-config",
                "lab-cp-m1-cp-admin-kubeconfig",
            ]),
        );
        for (const f of carrying) expect({ name: f.name, mode: f.inputs.mode }).toEqual({ name: f.name, mode: "0600" });
        for (const f of files(res)) {
            expect(f.inputs.path).toMatch(/^\//);
            expect(f.opts?.additionalSecretOutputs ?? []).toContain("connection");
        }
    });

    it("rolls etcd members and masters one at a time", () => {
        expect(dependsOnNames(res.get("lab-etcd-m2-etcd-restart"))).toContain("lab-etcd-m1-etcd-restart");
        expect(dependsOnNames(res.get("lab-etcd-m3-etcd-restart"))).toContain("lab-etcd-m2-etcd-restart");
        expect(dependsOnNames(res.get("lab-cp-m2-cp-restart"))).toContain("lab-cp-m1-cp-restart");
        expect(dependsOnNames(res.get("lab-lb-m3-lb-restart"))).toContain("lab-lb-m2-lb-restart");
        expect(dependsOnNames(res.get("lab-etcd-m1-etcd-health"))).toEqual(
            expect.arrayContaining(["lab-etcd-m1-etcd-restart", "lab-etcd-m2-etcd-restart", "lab-etcd-m3-etcd-restart"]),
        );
    });

    it("stops nothing when a restart or gate is replaced (replacement deletes the old one after the new one ran)", () => {
        const triggered = [...res.values()].filter((r) => r.type === "command:remote:Command" && r.inputs.triggers !== undefined);
        expect(triggered.length).toBeGreaterThan(10);
        for (const r of triggered) expect({ name: r.name, delete: r.inputs.delete }).toEqual({ name: r.name, delete: undefined });
        // services stop on destroy with their host's base, which goes last
        expect(get(res, "lab-lb-m1-lb-base").inputs.delete).toContain("systemctl disable --now keepalived haproxy");
        expect(get(res, "lab-workers-w1-node-base").inputs.delete).toContain("systemctl disable --now containerd");
    });

    it("changes etcd membership through the membership API: joins before settings, leaves after the health gate", () => {
        const join = get(res, "lab-etcd-m2-etcd-join");
        expect(join.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:EtcdJoin");
        expect(join.inputs.member).toEqual({ name: "m2", peerUrl: "https://10.213.0.12:2380" });
        expect(join.inputs.seeds.map((s: { host: string }) => s.host)).toEqual(["m1", "m3"]);
        expect(join.inputs.etcdctl).toMatch(/etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 .*--cert=.*healthcheck/);
        expect(join.opts?.additionalSecretOutputs).toEqual(expect.arrayContaining(["connection", "seeds"]));
        // one membership change at a time
        expect(dependsOnNames(join)).toEqual(["lab-etcd-m1-etcd-join"]);
        expect(get(res, "lab-etcd-m2-etcd-env").inputs.content).toContain('ETCD_INITIAL_CLUSTER_STATE="new"');
        const leave = get(res, "lab-etcd-membership");
        expect(leave.inputs.members.map((m: { name: string }) => m.name)).toEqual(["m1", "m2", "m3"]);
        expect(dependsOnNames(leave)).toEqual(["lab-etcd-m1-etcd-health"]);
        // the gate wants every declared member started by name (a member being replaced may still be listed)
        const gate: string = get(res, "lab-etcd-m1-etcd-health").inputs.create;
        for (const m of ["m1", "m2", "m3"]) expect(gate).toContain(`grep -qF ', started, ${m}, '`);
    });

    it("snapshots a running etcd member before restarting it, and only then", () => {
        const roll: string = get(res, "lab-etcd-m2-etcd-restart").inputs.create;
        const [running, firstStart] = roll.split("\nelse\n");
        const save = running.indexOf("snapshot save");
        expect(save).toBeGreaterThan(running.indexOf("endpoint health --cluster"));
        expect(save).toBeLessThan(running.indexOf("systemctl restart 'etcd'"));
        expect(running).toContain("install -d -m 0700 '/var/lib/etcd-snapshots'");
        expect(running).toMatch(/'m2'-\$\(date -u \+%Y%m%dT%H%M%SZ\)\.db/);
        expect(running).toMatch(/not restarting it' >&2; exit 1/);
        expect(running).toContain(`tail -n +${SNAPSHOTS_KEPT + 1}`);
        expect(firstStart).not.toContain("snapshot");
    });

    it("restarts a host's services whenever any of its files is (re)written, drift repairs included", async () => {
        const restarts: Record<string, string> = {
            "lab-etcd-m2-etcd-restart": "lab-etcd-m2-etcd-",
            "lab-cp-m2-cp-restart": "lab-cp-m2-cp-",
            "lab-lb-m2-lb-restart": "lab-lb-m2-lb-",
            "lab-workers-w1-node-restart": "lab-workers-w1-node-",
        };
        const routeFiles = ["lab-workers-w1-node-pod-routes-env", "lab-workers-w1-node-pod-routes-script", "lab-workers-w1-node-pod-routes-unit"];
        // the etcd restore helper, ha-kubernetes' own kubeconfig and the kube-bench configuration are read by no service:
        // writing them restarts nothing; the scheduled snapshots' files restart their timer only (etcdSnapshots.test.ts)
        const inert = ["lab-etcd-m2-etcd-restore-script", "lab-cp-m2-cp-admin-kubeconfig", "lab-workers-w1-node-kube-bench-config"];
        const snapshotFiles = ["lab-etcd-m2-etcd-snapshot-script", "lab-etcd-m2-etcd-snapshot-service", "lab-etcd-m2-etcd-snapshot-timer"];
        inert.push(...snapshotFiles);
        expect(files(res).map((f) => f.name)).toEqual(expect.arrayContaining(inert));
        for (const f of [inert[0], ...snapshotFiles]) expect(await outputResourceNames(get(res, "lab-etcd-m2-etcd-restart").props?.triggers)).not.toContain(f);
        expect(await outputResourceNames(get(res, "lab-cp-m2-cp-restart").props?.triggers)).not.toContain(inert[1]);
        expect(await outputResourceNames(get(res, "lab-workers-w1-node-restart").props?.triggers)).not.toContain(inert[2]);
        for (const [restart, prefix] of Object.entries(restarts)) {
            const hostFiles = files(res)
                .map((f) => f.name)
                .filter((n) => n.startsWith(prefix) && !routeFiles.includes(n) && !inert.includes(n));
            expect(hostFiles.length).toBeGreaterThan(2);
            const triggers = await outputResourceNames(get(res, restart).props?.triggers);
            expect(triggers).toEqual(expect.arrayContaining(hostFiles));
            expect(triggers.filter((t) => routeFiles.includes(t))).toEqual([]);
        }
        // routes change when workers come and go: only the routes service restarts then
        expect((await outputResourceNames(get(res, "lab-workers-w1-routes-restart").props?.triggers)).sort()).toEqual(routeFiles.sort());
        expect(get(res, "lab-workers-w1-routes-restart").inputs.create).toContain("systemctl restart 'ha-kubernetes-pod-routes'");
        expect(get(res, "lab-workers-w1-node-restart").inputs.create).not.toContain("ha-kubernetes-pod-routes");
    });

    it("gates each worker on its Node being Ready, and drains it through a master before its services stop", async () => {
        for (const w of ["w1", "w2"]) {
            const m = get(res, `lab-workers-${w}-node-ready`);
            expect(m.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:NodeMembership");
            expect(m.inputs).toMatchObject({ node: w, host: "m1", kubectl: "/usr/local/bin/kubectl", kubeconfig: "/etc/kubernetes/admin.kubeconfig" });
            expect(m.inputs.connection.host).toBe("10.213.0.11");
            // a dependent of the worker's restart: deleted (drained) before anything on the worker
            expect(dependsOnNames(m)).toContain(`lab-workers-${w}-node-restart`);
            expect(await outputResourceNames(m.props?.revision)).toContain(`lab-workers-${w}-node-restart`);
        }
    });

    it("makes every service a drift-detected ManagedService that waits for its unit file and binary", () => {
        const services = [...res.values()].filter((r) => r.type.endsWith(":ManagedService"));
        const expected = [
            ...["m1", "m2", "m3"].flatMap((m) => [
                `lab-etcd-${m}-etcd-unit`,
                `lab-etcd-${m}-etcd-snapshot.timer-unit`,
                ...["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((u) => `lab-cp-${m}-${u}-unit`),
            ]),
            ...["m1", "m2", "m3", "w1", "w2"].flatMap((w) => ["ha-kubernetes-pod-routes", "kubelet", "kube-proxy"].map((u) => `lab-workers-${w}-${u}-unit`)),
        ];
        expect(services.map((r) => r.name).sort()).toEqual(expected.sort());
        const kubelet = get(res, "lab-workers-w1-kubelet-unit");
        expect(kubelet.inputs.unit).toBe("kubelet");
        expect(dependsOnNames(kubelet)).toEqual(expect.arrayContaining(["lab-workers-w1-node-kubelet-unit", "lab-workers-w1-bin-kubelet"]));
        expect(dependsOnNames(get(res, "lab-workers-w1-node-restart"))).toContain("lab-workers-w1-kubelet-unit");
    });

    it("leaves every host's /etc/hosts alone without nodes.extraHosts", () => {
        expect([...res.values()].filter((r) => r.type.endsWith(":ManagedBlock"))).toEqual([]);
    });

    it("reaches no host before the preflight checked every host", async () => {
        const pre = get(res, "lab-preflight");
        expect(pre.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:HostPreflight");
        expect(pre.inputs.hosts.map((h: { name: string; connection: { host: string } }) => `${h.name}@${h.connection.host}`)).toEqual([
            "m1@10.213.0.11",
            "m2@10.213.0.12",
            "m3@10.213.0.13",
            "w1@10.213.0.21",
            "w2@10.213.0.22",
        ]);
        // each host's requirements from its roles, as the plan decided them
        const requires = Object.fromEntries(pre.inputs.hosts.map((h: { name: string; requires: { ports: { port: number }[]; minMemoryMiB: number } }) => [h.name, h.requires]));
        expect(requires.m1.ports.map((p: { port: number }) => p.port)).toEqual([2379, 2380, 6443, 8443, 10250, 10256, 10257, 10259]);
        expect(requires.w2).toMatchObject({ kubelet: true, minMemoryMiB: 1024, supportedOs: ["debian 12", "debian 13"] });
        expect(pre.inputs.maxClockSkewMs).toBe(2000);
        const remote = [...res.values()].filter((r) => /^command:remote:|(ManagedFile|ManagedService|NodeMembership)$/.test(r.type));
        expect(remote.length).toBeGreaterThan(100);
        for (const r of remote) {
            expect({ name: r.name, waits: (await outputResourceNames(r.props?.connection)).includes("lab-preflight") }).toEqual({ name: r.name, waits: true });
        }
    });

    it("starts the control plane only after the etcd and LB gates, and nodes after the control plane", async () => {
        const cpTriggers = await outputResourceNames(get(res, "lab-cp-m1-cp-restart").props?.triggers);
        expect(cpTriggers).toEqual(expect.arrayContaining(["lab-etcd-m1-etcd-health", "lab-lb-m1-lb-health"]));
        const nodeTriggers = await outputResourceNames(get(res, "lab-workers-w1-node-restart").props?.triggers);
        expect(nodeTriggers).toContain("lab-cp-m1-bootstrap");
    });

    it("leaf keys carry a renewal trigger from the first deployment on (Pulumi ignores a trigger that was null)", () => {
        const keys = [...res.values()].filter((r) => r.type === "tls:index/privateKey:PrivateKey" && !/-ca-key$/.test(r.name) && r.name !== "lab-pki-service-account-key");
        expect(keys.length).toBeGreaterThan(20);
        for (const k of keys) expect({ name: k.name, trigger: k.opts?.replacementTrigger }).toEqual({ name: k.name, trigger: "initial" });
    });

    it("checks version steps and CA changes before anything else, and upgrades kubelets after the control plane", async () => {
        const policy = get(res, "lab-upgrade-policy");
        expect(policy.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:UpgradePolicy");
        expect(policy.inputs).toMatchObject({ kubernetesVersion: "1.35.4", caSettings: { clusterName: "lab", caValidityHours: "87600" } });
        expect(dependsOnNames(get(res, "lab-preflight"))).toEqual(["lab-upgrade-policy"]);
        expect(dependsOnNames(get(res, "lab-pki"))).toEqual(["lab-upgrade-policy"]);
        for (const ca of ["cluster", "etcd", "front-proxy"]) expect(dependsOnNames(get(res, `lab-pki-${ca}-ca-cert`))).toEqual(["lab-upgrade-policy"]);
        // a worker's new binaries wait for the control plane's gate (kubelets never newer than apiservers)
        for (const b of ["lab-workers-w1-bin-kubelet", "lab-workers-w2-bin-kube-proxy"]) {
            expect(await outputResourceNames(get(res, b).props?.connection)).toContain("lab-cp-m1-bootstrap");
        }
        // and workers restart one at a time: the next (its drain, then its restart) after the previous one's Ready gate
        expect(dependsOnNames(get(res, "lab-workers-w2-node-restart"))).toContain("lab-workers-w2-node-drain");
        expect(dependsOnNames(get(res, "lab-workers-w2-node-drain"))).toEqual(["lab-workers-w1-node-ready"]);
        expect(dependsOnNames(get(res, "lab-workers-w1-node-drain"))).not.toContain("lab-workers-w2-node-ready");
    });

    it("routes each node's pods through the other nodes, masters included (bridge)", () => {
        // blocks in declaration order: m1 .0, m2 .1, m3 .2, w1 .3, w2 .4
        const routes: string = content(res, "lab-workers-w1-node-pod-routes-env");
        for (const [block, via] of [
            ["10.244.0.0/24", "10.213.0.11"],
            ["10.244.2.0/24", "10.213.0.13"],
            ["10.244.4.0/24", "10.213.0.22"],
        ]) {
            expect(routes).toContain(block);
            expect(routes).toContain(via);
        }
        expect(routes).not.toContain("10.244.3.0/24");
        expect(content(res, "lab-workers-w1-node-cni-conflist")).toContain("10.244.3.0/24");
        // a master reaches every worker's pods (webhooks, aggregated APIs, proxy, exec)
        expect(content(res, "lab-workers-m1-node-pod-routes-env")).toContain("10.244.3.0/24");
    });

    it("makes every master a node: control-plane taint, role label through the API, no second CA file or kubectl", async () => {
        for (const m of ["m1", "m2", "m3"]) {
            expect(content(res, `lab-workers-${m}-node-kubelet-env`)).toContain("--register-with-taints=node-role.kubernetes.io/control-plane:NoSchedule");
            expect(get(res, `lab-workers-${m}-node-ready`).inputs.labels).toEqual({ "node-role.kubernetes.io/control-plane": "" });
            // the control plane writes the CA and installs kubectl there: one resource per path
            expect(res.has(`lab-workers-${m}-node-ca-crt`)).toBe(false);
            expect(res.has(`lab-workers-${m}-bin-kubectl`)).toBe(false);
            expect(res.has(`lab-cp-${m}-cp-ca-crt`)).toBe(true);
        }
        expect(content(res, "lab-workers-w1-node-kubelet-env")).not.toContain("control-plane");
        expect(get(res, "lab-workers-w1-node-ready").inputs.labels).toEqual({});
        // two files never share a path on one host
        const paths = files(res).map((f) => `${f.inputs.host}:${f.inputs.path}`);
        expect(paths.length).toBe(new Set(paths).size);
        expect(await promiseOf(cluster.nodeNames)).toEqual(["m1", "m2", "m3", "w1", "w2"]);
    });

    it("applies bootstrap RBAC and CoreDNS through the API, after the control plane's gate; CoreDNS gates on its rollout", async () => {
        const objects = [...res.values()].filter((r) => r.type.endsWith(":KubernetesObject"));
        const names = objects.map((o) => o.name).sort();
        expect(names).toEqual(
            [
                "lab-addons-coredns-clusterrole-system-coredns",
                "lab-addons-coredns-clusterrolebinding-system-coredns",
                "lab-addons-coredns-configmap-kube-system-coredns",
                "lab-addons-coredns-deployment-kube-system-coredns",
                "lab-addons-coredns-poddisruptionbudget-kube-system-coredns",
                "lab-addons-coredns-service-kube-system-kube-dns",
                "lab-addons-coredns-serviceaccount-kube-system-coredns",
                "lab-cp-rbac-clusterrolebinding-ha-kubernetes-apiserver-kubelet-client",
            ].sort(),
        );
        for (const o of objects) {
            expect(o.inputs).toMatchObject({ host: "m1", fieldManager: "ha-kubernetes", kubectl: "/usr/local/bin/kubectl", kubeconfig: "/etc/kubernetes/admin.kubeconfig" });
            expect(o.inputs.connection.host).toBe("10.213.0.11");
        }
        // after the admin bindings (the operator credential's own among them), which follow the API gate
        expect(dependsOnNames(get(res, "lab-cp-rbac-clusterrolebinding-ha-kubernetes-apiserver-kubelet-client"))).toEqual(["lab-cp-m1-admin-bindings"]);
        expect(dependsOnNames(get(res, "lab-cp-m1-admin-bindings"))).toEqual(["lab-cp-m1-bootstrap"]);
        // CoreDNS once every node is Ready (replicas spread over all nodes; on destroy removed before any drain)
        for (const o of objects.filter((x) => x.name.startsWith("lab-addons-coredns-"))) {
            expect(await outputResourceNames(o.props?.connection)).toEqual(
                expect.arrayContaining(["lab-cp-m1-bootstrap", "lab-workers-m1-node-ready", "lab-workers-w2-node-ready"]),
            );
        }
        const svc = JSON.parse(get(res, "lab-addons-coredns-service-kube-system-kube-dns").inputs.manifest);
        expect(svc.spec.clusterIP).toBe("10.96.0.10");
        expect(content(res, "lab-workers-w1-node-kubelet-config")).toMatch(/clusterDNS:\s*\n\s*- 10\.96\.0\.10/);
        const corefile = JSON.parse(get(res, "lab-addons-coredns-configmap-kube-system-coredns").inputs.manifest).data.Corefile;
        expect(corefile).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa");
        expect(corefile).toContain("forward . /etc/resolv.conf");
        const gate = get(res, "lab-addons-m1-coredns-rollout");
        expect(gate.inputs.create).toContain("get deployment 'coredns'");
        expect(dependsOnNames(gate)).toContain("lab-addons-coredns-deployment-kube-system-coredns");
        // it waits for the nodes: pods need somewhere to run
        expect(await outputResourceNames(gate.props?.connection)).toEqual(expect.arrayContaining(["lab-workers-w2-node-ready", "lab-workers-m1-node-ready"]));
    });

    it("configures haproxy with every master and keepalived with the VIP", () => {
        const cfg: string = content(res, "lab-lb-m2-lb-haproxy-cfg");
        for (const ip of ["10.213.0.11", "10.213.0.12", "10.213.0.13"]) expect(cfg).toContain(`${ip}:6443`);
        const ka: string = content(res, "lab-lb-m1-lb-keepalived-conf");
        expect(ka).toContain("10.213.0.100");
        expect(ka).toMatch(/state\s+MASTER/);
        expect(content(res, "lab-lb-m2-lb-keepalived-conf")).toMatch(/state\s+BACKUP/);
    });

    it("writes every file 0600 (CIS 1.1.x, 4.1.x: units, configs, kubeconfigs, PKI), scripts 0755", () => {
        const all = files(res);
        expect(all.length).toBeGreaterThan(150);
        const scripts = all.filter((f) => f.inputs.mode === "0755").map((f) => f.name.replace(/^lab-[a-z]+-[a-z0-9]+-/, ""));
        expect([...new Set(scripts)].sort()).toEqual(["etcd-restore-script", "etcd-snapshot-script", "lb-keepalived-check", "node-pod-routes-script"]);
        for (const f of all.filter((x) => x.inputs.mode !== "0755")) expect({ name: f.name, mode: f.inputs.mode }).toEqual({ name: f.name, mode: "0600" });
    });

    it("secures the apiserver and kubelets by default", () => {
        const env: string = content(res, "lab-cp-m1-cp-apiserver-env");
        expect(env).toContain("--authorization-mode=Node,RBAC");
        expect(env).toMatch(/--enable-admission-plugins=[^ "]*NodeRestriction/);
        expect(env).toContain("--encryption-provider-config=");
        expect(env).toContain("--audit-policy-file=");
        expect(env).toContain("--endpoint-reconciler-type=lease");
        expect(env).toContain("--etcd-servers=https://10.213.0.11:2379,https://10.213.0.12:2379,https://10.213.0.13:2379");
        expect(env).not.toMatch(/insecure/);
        // anonymous requests only to the health endpoints; Pod Security defaults; tokens expire when they say
        expect(env).toContain("--authentication-config=/etc/kubernetes/authentication-config.yaml");
        expect(env).not.toContain("--anonymous-auth");
        expect(content(res, "lab-cp-m1-cp-authentication-config")).toMatch(/conditions:\n\s+- path: \/healthz\n\s+- path: \/livez\n\s+- path: \/readyz\n$/);
        expect(env).toContain("--admission-control-config-file=/etc/kubernetes/admission-config.yaml");
        expect(content(res, "lab-cp-m1-cp-admission-config")).toMatch(/enforce: baseline/);
        expect(env).toContain("--service-account-extend-token-expiration=false");
        const kubelet: string = content(res, "lab-workers-w1-node-kubelet-config");
        expect(kubelet).toMatch(/anonymous:\s*\n\s*enabled: false/);
        expect(kubelet).toMatch(/readOnlyPort: 0/);
    });

    it("encrypts secrets at rest with secretbox by default; a key rotation reaches the running masters before their files change", () => {
        expect(get(res, "lab-pki-encryption-key-secretbox-key1").type).toBe("random:index/randomBytes:RandomBytes");
        const file = YAML.parse(content(res, "lab-cp-m1-cp-encryption-config"));
        expect(file.resources).toEqual([{ resources: ["secrets"], providers: [{ secretbox: { keys: [{ name: "key1", secret: ENCRYPTION_KEY }] } }, { identity: {} }] }]);
        const rotation = get(res, "lab-cp-encryption-rotation");
        expect(rotation.inputs.masters.map((m: { host: string }) => m.host)).toEqual(["m1", "m2", "m3"]);
        expect(rotation.inputs).toMatchObject({ path: "/etc/kubernetes/encryption-config.yaml", key: { provider: "secretbox", name: "key1" }, resources: ["secrets"] });
        expect(rotation.opts?.additionalSecretOutputs).toEqual(expect.arrayContaining(["masters", "key"]));
        // every master's install (its final file and restart) waits for the rotation
        for (const m of ["m1", "m2", "m3"]) expect(dependsOnNames(res.get(`lab-cp-${m}-cp-base`))).toContain("lab-cp-encryption-rotation");
    });

    it("configures the private registry for containerd", () => {
        expect(content(res, "lab-workers-w1-node-registry-hosts")).toContain("https://registry.lab.test:5000");
        expect(content(res, "lab-workers-w1-node-registry-ca")).toContain(TEST_CA_MARK);
        expect(content(res, "lab-workers-w1-node-containerd-config")).toContain("puller");
    });

    it("exposes a secret admin kubeconfig through the VIP and certificate expiry", async () => {
        expect(await promiseOf(cluster.apiserverUrl)).toBe("https://10.213.0.100:8443");
        expect(pulumi.isSecret).toBeDefined();
        expect(await (cluster.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        expect(await promiseOf(cluster.kubeconfig)).toContain("server: https://10.213.0.100:8443");
        const expiry = await promiseOf(cluster.certificateExpiry);
        expect(Object.keys(expiry)).toEqual(expect.arrayContaining(["ca/cluster", "etcd/m1-server", "control-plane/m1-apiserver", "workers/w1-kubelet"]));
        expect(await promiseOf(cluster.ready)).toBe(true);
    });
});

/** The text with every base64 run in it decoded as well (kubeconfigs and Secrets carry PEM as base64). */
const revealed = (text: string): string => [text, ...(text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []).map((b) => Buffer.from(b, "base64").toString("latin1"))].join("\n");
/** The kubeconfig's user, with its certificate and key decoded. */
const kubeconfigUser = (kubeconfig: string): { name: string; cert: string; key: string; server: string } => {
    const k = YAML.parse(kubeconfig);
    const u = k.users[0];
    const decode = (b: string) => Buffer.from(b, "base64").toString();
    return { name: u.name, cert: decode(u.user["client-certificate-data"]), key: decode(u.user["client-key-data"]), server: k.clusters[0].cluster.server };
};
/** The mock PEM bodies of a client credential `lab-cp-<key>` (tests/unit/mocks.ts). */
const marks = (key: string) => ({ cert: `CERTlabcp${key.replace(/-/g, "")}cert`, key: `${KEY_MARK}labcp${key.replace(/-/g, "")}key` });
const BREAK_GLASS = marks("break-glass");

describe("admin credentials: the exported one revocable, the hosts' one ha-kubernetes' own, break-glass in the state only", () => {
    let res: Map<string, Recorded>;
    let cluster: HaKubernetesCluster;
    beforeAll(async () => {
        ({ cluster, res } = await deploy(baseCluster()));
    }, 300_000);

    it("exports an admin kubeconfig in the admin group, not system:masters; only break-glass is system:masters", async () => {
        const admin = kubeconfigUser(await promiseOf(cluster.kubeconfig));
        expect(admin).toMatchObject({ name: "ha-kubernetes-admin", server: "https://10.213.0.100:8443" });
        expect(admin.cert).toContain(marks("admin").cert);
        expect(admin.key).toContain(marks("admin").key);
        expect(get(res, "lab-cp-admin-csr").inputs.subject).toEqual({ commonName: "ha-kubernetes-admin", organization: "ha-kubernetes:cluster-admins" });
        expect(get(res, "lab-cp-admin-cert").inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "client_auth"]);
        const masters = [...res.values()].filter((r) => r.type === "tls:index/certRequest:CertRequest" && r.inputs.subject?.organization === "system:masters");
        expect(masters.map((r) => [r.name, r.inputs.subject.commonName])).toEqual([["lab-cp-break-glass-csr", "ha-kubernetes-break-glass"]]);
        // not an output unless asked for; its expiry is listed with the others
        expect(cluster.breakGlassKubeconfig).toBeUndefined();
        expect(Object.keys(await promiseOf(cluster.certificateExpiry))).toEqual(
            expect.arrayContaining(["control-plane/admin", "control-plane/operator", "control-plane/break-glass"]),
        );
    });

    it("gives every master's admin.kubeconfig ha-kubernetes' operator credential, not the exported one", () => {
        expect(get(res, "lab-cp-operator-csr").inputs.subject).toEqual({ commonName: "ha-kubernetes-operator", organization: "ha-kubernetes:operators" });
        for (const m of ["m1", "m2", "m3"]) {
            const f = get(res, `lab-cp-${m}-cp-admin-kubeconfig`);
            expect(f.inputs).toMatchObject({ path: "/etc/kubernetes/admin.kubeconfig", mode: "0600", host: m });
            const u = kubeconfigUser(f.inputs.content);
            expect(u.name).toBe("ha-kubernetes-operator");
            expect(u.cert).toContain(marks("operator").cert);
            expect(revealed(f.inputs.content)).not.toContain(marks("admin").cert);
        }
        // the providers' kubectl uses that file
        expect(get(res, "lab-workers-w1-node-ready").inputs.kubeconfig).toBe("/etc/kubernetes/admin.kubeconfig");
    });

    it("writes the break-glass certificate and key to no host: not in any file, object, command or upload", () => {
        const reaching = [...res.values()].filter((r) => /(ManagedFile|KubernetesObject)$/.test(r.type) || r.type.startsWith("command:"));
        expect(reaching.length).toBeGreaterThan(200);
        for (const r of reaching) {
            if (r.name === "lab-cp-m1-admin-bindings") continue;
            const text = revealed(JSON.stringify(r.inputs));
            expect({ name: r.name, cert: text.includes(BREAK_GLASS.cert), key: text.includes(BREAK_GLASS.key) }).toEqual({ name: r.name, cert: false, key: false });
        }
        // the same search finds it where it is meant to be: the binding step's stdin
        expect(revealed(JSON.stringify(get(res, "lab-cp-m1-admin-bindings").inputs))).toContain(BREAK_GLASS.key);
        // in the state it is a secret
        expect(get(res, "lab-cp-break-glass-key").opts?.additionalSecretOutputs).toContain("privateKeyPem");
    });

    it("binds the admin group and the operator to cluster-admin with the break-glass kubeconfig on stdin alone, after the API gate, before anything else through the API", async () => {
        const b = get(res, "lab-cp-m1-admin-bindings");
        expect(b.type).toBe("command:remote:Command");
        expect(b.inputs.connection.host).toBe("10.213.0.11");
        const onStdin = kubeconfigUser(b.inputs.stdin);
        expect(onStdin).toMatchObject({ name: "ha-kubernetes-break-glass" });
        expect(onStdin.cert).toContain(BREAK_GLASS.cert);
        expect(onStdin.key).toContain(BREAK_GLASS.key);
        expect(await (b.props?.stdin as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        expect(b.opts?.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdin"]));
        // kubectl reads it from /dev/stdin; nothing of it is in the script, the environment or a file
        const script: string = b.inputs.create;
        expect(script).toContain("--kubeconfig=/dev/stdin");
        expect(script).toContain('kubeconfig="$(cat)"');
        expect(script).not.toMatch(/>\s*"?\$kubeconfig|kubeconfig=\$|export/);
        for (const leak of [...SECRETS, BREAK_GLASS.cert, "BEGIN"]) expect({ leak, found: revealed(script).includes(leak) }).toEqual({ leak, found: false });
        expect(b.inputs.environment).toBeUndefined();
        expect(b.inputs.update).toBeUndefined();
        // the manifest: the renderer's, applied server-side
        expect(script).toContain(renderAdminBindings({ adminGroup: "ha-kubernetes:cluster-admins" }).trimEnd());
        expect(script).toMatch(/apply --server-side --force-conflicts --field-manager=ha-kubernetes -f "\$f"/);
        // order: the API gate, then the bindings, then the bootstrap RBAC (operator credential), then the nodes
        expect(dependsOnNames(b)).toEqual(["lab-cp-m1-bootstrap"]);
        expect(dependsOnNames(get(res, "lab-cp-rbac-clusterrolebinding-ha-kubernetes-apiserver-kubelet-client"))).toEqual(["lab-cp-m1-admin-bindings"]);
        expect(await outputResourceNames(get(res, "lab-workers-w1-node-restart").props?.triggers)).toContain("lab-cp-m1-admin-bindings");
        // no other command is given a kubeconfig on stdin
        const withStdin = commands(res).filter((c) => c.inputs.stdin !== undefined);
        expect(withStdin.map((c) => c.name)).toEqual(["lab-cp-m1-admin-bindings"]);
    });

    it("follows controlPlane.adminGroup; outputs the break-glass kubeconfig (secret) only with exportBreakGlassKubeconfig", async () => {
        const { cluster: asked, res: r } = await deploy(baseCluster({ controlPlane: { adminGroup: "oidc:platform-admins", exportBreakGlassKubeconfig: true } }));
        expect(get(r, "lab-cp-admin-csr").inputs.subject).toEqual({ commonName: "ha-kubernetes-admin", organization: "oidc:platform-admins" });
        const docs = YAML.parseAllDocuments(renderAdminBindings({ adminGroup: "oidc:platform-admins" })).map((d) => d.toJSON());
        expect(docs.map((d) => [d.metadata.name, d.roleRef.name, d.subjects])).toEqual([
            ["ha-kubernetes:cluster-admins", "cluster-admin", [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oidc:platform-admins" }]],
            ["ha-kubernetes:operators", "cluster-admin", [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "ha-kubernetes:operators" }]],
        ]);
        expect(get(r, "lab-cp-m1-admin-bindings").inputs.create).toContain(renderAdminBindings({ adminGroup: "oidc:platform-admins" }).trimEnd());
        expect(asked.breakGlassKubeconfig).toBeDefined();
        expect(await (asked.breakGlassKubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        const bg = kubeconfigUser(await promiseOf(asked.breakGlassKubeconfig!));
        expect(bg).toMatchObject({ name: "ha-kubernetes-break-glass", server: "https://10.213.0.100:8443" });
        expect(bg.cert).toContain(BREAK_GLASS.cert);
        // still on no host
        for (const f of files(r)) expect({ name: f.name, found: revealed(String(f.inputs.content)).includes(BREAK_GLASS.key) }).toEqual({ name: f.name, found: false });
    });
});

describe("rollout policy: new hosts in parallel, running hosts in batches behind the previous batch's gates", () => {
    const NODES = ["m1", "m2", "m3", "w1", "w2"];
    /** The Ready gates a node's restart waits for, directly or through its drain. */
    const gatesBefore = (res: Map<string, Recorded>, host: string) => {
        const drain = `lab-workers-${host}-node-drain`;
        const deps = [...dependsOnNames(get(res, `lab-workers-${host}-node-restart`)), ...(res.has(drain) ? dependsOnNames(get(res, drain)) : [])];
        return deps.filter((d) => d.endsWith("-node-ready")).sort();
    };
    const ready = (...hosts: string[]) => hosts.map((h) => `lab-workers-${h}-node-ready`).sort();

    it("a new stack: no node's or master's start waits for another host's gate", async () => {
        const { res } = await deploy(baseCluster({ runningHosts: [] }));
        for (const h of NODES) expect({ h, gates: gatesBefore(res, h) }).toEqual({ h, gates: [] });
        for (const m of ["m1", "m2", "m3"]) {
            expect(dependsOnNames(get(res, `lab-cp-${m}-cp-restart`)).filter((d) => d.endsWith("-cp-restart"))).toEqual([]);
            expect(dependsOnNames(get(res, `lab-etcd-${m}-etcd-restart`)).filter((d) => d.endsWith("-etcd-restart"))).toEqual([]);
            expect(dependsOnNames(get(res, `lab-lb-${m}-lb-restart`)).filter((d) => d.endsWith("-lb-restart"))).toEqual([]);
        }
    });

    it("a change to running hosts: one node at a time by default, drained before its restart, in declaration order", async () => {
        const { res } = await deploy(baseCluster({ runningHosts: NODES }));
        for (const [i, h] of NODES.entries()) {
            expect({ h, gates: gatesBefore(res, h) }).toEqual({ h, gates: i === 0 ? [] : ready(NODES[i - 1]) });
            // the drain comes first, behind the previous node's gate; the restart behind the drain
            expect(dependsOnNames(get(res, `lab-workers-${h}-node-restart`))).toContain(`lab-workers-${h}-node-drain`);
            const drain = get(res, `lab-workers-${h}-node-drain`);
            expect(drain.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:NodeDrain");
            expect(drain.inputs).toMatchObject({ node: h, host: "m1", kubectl: "/usr/local/bin/kubectl", kubeconfig: "/etc/kubernetes/admin.kubeconfig" });
            // the drain's revision is the restart's trigger: it drains exactly when the node restarts
            expect(drain.inputs.revision).toBe(get(res, `lab-workers-${h}-node-restart`).inputs.triggers[0]);
        }
        expect(dependsOnNames(get(res, "lab-cp-m2-cp-restart"))).toContain("lab-cp-m1-cp-restart");
        expect(dependsOnNames(get(res, "lab-cp-m3-cp-restart"))).toContain("lab-cp-m2-cp-restart");
        expect(dependsOnNames(get(res, "lab-cp-m1-cp-restart")).filter((d) => d.endsWith("-cp-restart"))).toEqual([]);
    });

    it("rollout.maxUnavailable 2 (or 40% of 5 nodes): batch k+1 waits for every gate of batch k, and for nothing else", async () => {
        for (const maxUnavailable of [2, "40%"]) {
            const { res } = await deploy(baseCluster({ runningHosts: NODES, rollout: { maxUnavailable } }));
            const gates = Object.fromEntries(NODES.map((h) => [h, gatesBefore(res, h)]));
            expect({ maxUnavailable, gates }).toEqual({
                maxUnavailable,
                gates: { m1: [], m2: [], m3: ready("m1", "m2"), w1: ready("m1", "m2"), w2: ready("m3", "w1") },
            });
        }
    });

    it("rollout.drain false: no drains, each restart straight behind the previous batch's gates", async () => {
        const { res } = await deploy(baseCluster({ runningHosts: NODES, rollout: { drain: false } }));
        expect([...res.keys()].filter((n) => n.endsWith("-node-drain"))).toEqual([]);
        expect(dependsOnNames(get(res, "lab-workers-w2-node-restart"))).toContain("lab-workers-w1-node-ready");
        expect(gatesBefore(res, "m1")).toEqual([]);
    });

    it("hosts added to a running cluster install beside the roll; the running ones chain past them", async () => {
        const hosts = [...baseCluster().hosts.slice(0, 4), { name: "w3", address: "10.213.0.23", roles: ["worker" as const] }, baseCluster().hosts[4]];
        const { res } = await deploy(withHosts(hosts, { runningHosts: NODES }));
        expect(gatesBefore(res, "w3")).toEqual([]);
        // w2 (running, declared after the new w3) waits for w1, the running node before it
        expect(gatesBefore(res, "w2")).toEqual(ready("w1"));
    });
});
