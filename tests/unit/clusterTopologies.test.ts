/** The cluster in other topologies and with other settings than cluster.test.ts's reference one (its own file: jest runs it beside that one). */
import * as path from "path";
import { deployCluster, installMocks, KEY_MARK, promiseOf, dependsOnNames, outputResourceNames, settle } from "./mocks";
import { ClusterArgs } from "../../components/config";
import { HaKubernetesCluster } from "../../components/cluster";
import { SNAPSHOTS_KEPT } from "../../components/etcdCluster";
import { allFiles, baseCluster, withHosts } from "./fixtures";
import { content, get, SECRETS } from "./clusterHelpers";

const seen = installMocks();

const deploy = (args: ClusterArgs) => deployCluster(seen, args);

describe("other topologies", () => {
    it("flannel: controller-manager allocates node CIDRs and flanneld runs on workers", async () => {
        const { res } = await deploy(baseCluster({ network: { hostCidr: "10.213.0.0/24", podNetwork: "flannel", flannelBackend: "host-gw" } }));
        expect(content(res, "lab-cp-m1-cp-cm-env")).toContain("--allocate-node-cidrs=true");
        expect(content(res, "lab-workers-w1-node-flanneld-env")).toContain("--kube-subnet-mgr");
        expect(content(res, "lab-workers-w1-node-flannel-net-conf")).toContain("host-gw");
        expect(res.has("lab-workers-w1-node-pod-routes-env")).toBe(false);
        expect(res.has("lab-workers-w1-bin-flanneld")).toBe(true);
        // flanneld leases its Node's podCIDR: kubelet (which registers the Node) starts first
        const script: string = get(res, "lab-workers-w1-node-restart").inputs.create;
        const at = (unit: string) => script.indexOf(`systemctl restart '${unit}'`);
        expect(at("kubelet")).toBeGreaterThan(-1);
        expect(at("flanneld")).toBeGreaterThan(at("kubelet"));
        expect(at("ha-kubernetes-flannel-cni")).toBeGreaterThan(at("flanneld"));
    });

    it("nginx on its own host balances every master", async () => {
        const base = baseCluster();
        const { res, cluster } = await deploy({ ...base, hosts: [...base.hosts, { name: "lb1", address: "10.213.0.41", roles: ["lb"] }], loadBalancer: { mode: "nginx" } });
        const conf: string = content(res, "lab-lb-lb1-lb-nginx-conf");
        for (const ip of ["10.213.0.11", "10.213.0.12", "10.213.0.13"]) expect(conf).toContain(`${ip}:6443`);
        expect(res.has("lab-lb-m1-lb-keepalived-conf")).toBe(false);
        expect(await promiseOf(cluster.apiserverUrl)).toBe("https://10.213.0.41:6443");
    });

    it("dedicated etcd hosts carry etcd, masters do not", async () => {
        const hosts = [
            ...["m1", "m2", "m3"].map((n, i) => ({ name: n, address: `10.213.0.${11 + i}`, roles: ["master" as const] })),
            ...["e1", "e2", "e3"].map((n, i) => ({ name: n, address: `10.213.0.${31 + i}`, roles: ["etcd" as const] })),
            { name: "w1", address: "10.213.0.21", roles: ["worker" as const] },
        ];
        const { res } = await deploy(withHosts(hosts, { etcd: { topology: "dedicated" }, loadBalancer: { mode: "external", address: "10.213.0.11" } }));
        expect(res.has("lab-etcd-e1-etcd-env")).toBe(true);
        expect(res.has("lab-etcd-m1-etcd-env")).toBe(false);
        expect(content(res, "lab-cp-m1-cp-apiserver-env")).toContain("--etcd-servers=https://10.213.0.31:2379,https://10.213.0.32:2379,https://10.213.0.33:2379");
        expect([...res.keys()].some((k) => k.startsWith("lab-lb-"))).toBe(false);
    });

    it("copies each etcd member's pre-restart snapshot off the host when asked, after its restart; not otherwise", async () => {
        const { res } = await deploy(baseCluster({ etcd: { snapshotCopyDirectory: "backups/etcd" } }));
        for (const m of ["m1", "m2", "m3"]) {
            const copy = get(res, `lab-etcd-${m}-etcd-snapshot-copy`);
            expect(copy.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:EtcdSnapshotCopy");
            expect(copy.inputs).toMatchObject({
                member: m,
                host: m,
                remoteDirectory: "/var/lib/etcd-snapshots",
                localDirectory: path.resolve("backups/etcd"),
                keep: SNAPSHOTS_KEPT,
            });
            // acts whenever the member's restart (which took the snapshot) ran again: its id is new then
            expect(copy.inputs.trigger).toBe(`lab-etcd-${m}-etcd-restart-id`);
            expect(dependsOnNames(copy)).toEqual([`lab-etcd-${m}-etcd-restart`]);
            expect(copy.opts?.additionalSecretOutputs).toContain("connection");
        }
        const plain = await deploy(baseCluster());
        expect([...plain.res.keys()].filter((k) => k.includes("snapshot-copy"))).toEqual([]);
    });

    it("renewal re-issues every leaf key (never a CA's); control-plane settings reach every apiserver", async () => {
        const { res } = await deploy(
            baseCluster({
                certificates: { renewal: "2026-11-23", validityHours: 2000, earlyRenewalHours: 100 },
                controlPlane: {
                    apiserverExtraArgs: { "event-ttl": "2h" },
                    auditLogMaxAgeDays: 7,
                    encryption: { provider: "aesgcm", key: "2026-12", resources: ["secrets", "configmaps"] },
                },
            }),
        );
        // another encryption key: its own random bytes, rotated to on the running masters before their files change
        expect(get(res, "lab-pki-encryption-key-aesgcm-2026-12").type).toBe("random:index/randomBytes:RandomBytes");
        expect(res.has("lab-pki-encryption-key-secretbox-key1")).toBe(false);
        expect(get(res, "lab-cp-encryption-rotation").inputs).toMatchObject({ key: { provider: "aesgcm", name: "2026-12" }, resources: ["secrets", "configmaps"] });
        expect(content(res, "lab-cp-m2-cp-encryption-config")).toMatch(/- resources:\n\s+- secrets\n\s+- configmaps\n\s+providers:\n\s+- aesgcm:\n\s+keys:\n\s+- name: 2026-12\n/);
        // every leaf certificate renews itself early by the configured window on a later `pulumi up`
        const certs = [...res.values()].filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert");
        expect(certs.length).toBeGreaterThan(20);
        for (const c of certs) expect({ name: c.name, v: c.inputs.validityPeriodHours, early: c.inputs.earlyRenewalHours }).toEqual({ name: c.name, v: 2000, early: 100 });
        const keys = [...res.values()].filter((r) => r.type === "tls:index/privateKey:PrivateKey");
        // the CAs and the service-account signing key (it would invalidate every token) stay
        const kept = (n: string) => /-ca-key$/.test(n) || n === "lab-pki-service-account-key";
        const leaves = keys.filter((k) => !kept(k.name));
        expect(leaves.length).toBeGreaterThan(20);
        for (const k of leaves) expect({ name: k.name, trigger: k.opts?.replacementTrigger }).toEqual({ name: k.name, trigger: "2026-11-23" });
        expect(keys.filter((k) => kept(k.name)).map((k) => [k.name, k.opts?.replacementTrigger])).toEqual(
            ["lab-pki-cluster-ca-key", "lab-pki-etcd-ca-key", "lab-pki-front-proxy-ca-key", "lab-pki-service-account-key"].map((n) => [n, undefined]),
        );
        for (const m of ["m1", "m2", "m3"]) {
            const env = content(res, `lab-cp-${m}-cp-apiserver-env`);
            expect(env).toContain("--event-ttl=2h");
            expect(env).toContain("--audit-log-maxage=7");
        }
    });

    it("leaves cluster DNS to the user when asked; CoreDNS settings reach the Corefile and Deployment", async () => {
        const off = await deploy(baseCluster({ addons: { coredns: { enabled: false } } }));
        expect([...off.res.keys()].filter((n) => n.includes("coredns"))).toEqual([]);
        const on = await deploy(
            baseCluster({
                network: { hostCidr: "10.213.0.0/24", serviceCidr: "10.100.0.0/16", clusterDomain: "k8s.lab", clusterDns: "10.100.0.53" },
                addons: { coredns: { image: "mirror.lab/coredns:1.13.1", replicas: 3, upstreams: [] } },
            }),
        );
        const d = JSON.parse(get(on.res, "lab-addons-coredns-deployment-kube-system-coredns").inputs.manifest);
        expect(d.spec.replicas).toBe(3);
        expect(d.spec.template.spec.containers[0].image).toBe("mirror.lab/coredns:1.13.1");
        expect(JSON.parse(get(on.res, "lab-addons-coredns-service-kube-system-kube-dns").inputs.manifest).spec.clusterIP).toBe("10.100.0.53");
        const corefile = JSON.parse(get(on.res, "lab-addons-coredns-configmap-kube-system-coredns").inputs.manifest).data.Corefile;
        expect(corefile).toContain("kubernetes k8s.lab in-addr.arpa");
        expect(corefile).not.toContain("forward");
    });

    it("metrics-server: objects through the API after the nodes, a serving certificate from the cluster CA kept secret, gated on rollout and its APIService", async () => {
        const { res, cluster } = await deploy(baseCluster({ addons: { imageRepository: "mirror.lab:5000/k8s", metricsServer: { replicas: 3 } } }));
        const names = [...res.values()]
            .filter((r) => r.type.endsWith(":KubernetesObject") && r.name.startsWith("lab-addons-metrics-server-"))
            .map((r) => r.name)
            .sort();
        expect(names).toEqual([
            "lab-addons-metrics-server-apiservice-v1beta1.metrics.k8s.io",
            "lab-addons-metrics-server-clusterrole-system-aggregated-metrics-reader",
            "lab-addons-metrics-server-clusterrole-system-metrics-server",
            "lab-addons-metrics-server-clusterrolebinding-metrics-server-system-auth-delegator",
            "lab-addons-metrics-server-clusterrolebinding-system-metrics-server",
            "lab-addons-metrics-server-deployment-kube-system-metrics-server",
            "lab-addons-metrics-server-poddisruptionbudget-kube-system-metrics-server",
            "lab-addons-metrics-server-rolebinding-kube-system-metrics-server-auth-reader",
            "lab-addons-metrics-server-secret-kube-system-metrics-server-serving-cert",
            "lab-addons-metrics-server-service-kube-system-metrics-server",
            "lab-addons-metrics-server-serviceaccount-kube-system-metrics-server",
        ]);
        const d = JSON.parse(get(res, "lab-addons-metrics-server-deployment-kube-system-metrics-server").inputs.manifest);
        expect(d.spec.replicas).toBe(3);
        expect(d.spec.template.spec.containers[0].image).toBe("mirror.lab:5000/k8s/metrics-server/metrics-server:v0.8.0");
        // the image repository also moves CoreDNS's default image
        expect(JSON.parse(get(res, "lab-addons-coredns-deployment-kube-system-coredns").inputs.manifest).spec.template.spec.containers[0].image).toBe(
            "mirror.lab:5000/k8s/coredns/coredns:v1.13.1",
        );
        // the serving certificate: issued by the cluster CA for the Service's names, its Secret kept encrypted in the state
        const csr = get(res, "lab-addons-metrics-server-serving-csr");
        expect(csr.inputs.dnsNames).toEqual(["metrics-server.kube-system.svc", "metrics-server.kube-system.svc.cluster.local"]);
        expect(get(res, "lab-addons-metrics-server-serving-cert").inputs.caCertPem).toContain("CERTlabpkiclustercacert");
        const secret = get(res, "lab-addons-metrics-server-secret-kube-system-metrics-server-serving-cert");
        expect(await (secret.props?.manifest as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        expect(secret.opts?.additionalSecretOutputs).toEqual(expect.arrayContaining(["manifest"]));
        expect(Buffer.from(JSON.parse(secret.inputs.manifest).data["tls.key"], "base64").toString()).toContain(KEY_MARK);
        // the other objects keep readable diffs
        expect(typeof get(res, "lab-addons-metrics-server-deployment-kube-system-metrics-server").props?.manifest).toBe("string");
        expect(get(res, "lab-addons-metrics-server-deployment-kube-system-metrics-server").opts?.additionalSecretOutputs).not.toContain("manifest");
        // the APIService trusts exactly the cluster CA
        const api = JSON.parse(get(res, "lab-addons-metrics-server-apiservice-v1beta1.metrics.k8s.io").inputs.manifest);
        expect(Buffer.from(api.spec.caBundle, "base64").toString()).toContain("CERTlabpkiclustercacert");
        expect(api.spec.insecureSkipTLSVerify).toBeUndefined();
        // gates: the rollout after the objects; the APIService once the pods serve; then its availability
        const rollout = get(res, "lab-addons-m1-metrics-server-rollout");
        expect(rollout.inputs.create).toContain("get deployment 'metrics-server'");
        const apiServiceName = "lab-addons-metrics-server-apiservice-v1beta1.metrics.k8s.io";
        expect(dependsOnNames(rollout).sort()).toEqual(names.filter((n) => n !== apiServiceName));
        expect(dependsOnNames(get(res, apiServiceName))).toEqual(["lab-addons-m1-metrics-server-rollout"]);
        const available = get(res, "lab-addons-m1-metrics-server-api");
        expect(available.inputs.create).toContain("get apiservice 'v1beta1.metrics.k8s.io'");
        expect(dependsOnNames(available)).toEqual([apiServiceName]);
        // every object declares its identity apart from its manifest (known at preview)
        expect(secret.inputs.identity).toEqual({ apiVersion: "v1", kind: "Secret", namespace: "kube-system", name: "metrics-server-serving-cert" });
        expect(await outputResourceNames(available.props?.connection)).toEqual(expect.arrayContaining(["lab-workers-w2-node-ready", "lab-workers-m1-node-ready"]));
        expect(Object.keys(await promiseOf(cluster.certificateExpiry))).toContain("addons/metrics-server");
        // no key material in any command
        for (const r of res.values()) {
            if (r.type !== "command:remote:Command") continue;
            const { create, update, delete: del, environment, triggers } = r.inputs;
            for (const m of SECRETS)
                expect({ name: r.name, text: JSON.stringify({ create, update, del, environment, triggers }) }).not.toEqual({ name: r.name, text: expect.stringContaining(m) });
        }
    });

    it("podNetwork none: no pod network files, node CIDRs from the controller-manager, the user's manifests applied through the API", async () => {
        const manifest = path.join(__dirname, "fixtures", "manifests", "cni.yaml");
        const { res } = await deploy(baseCluster({ network: { hostCidr: "10.213.0.0/24", podNetwork: "none" }, addons: { manifests: [manifest] } }));
        for (const n of ["m1", "w1"]) {
            for (const k of ["cni-conflist", "cni-loopback", "pod-routes-env", "flanneld-env"]) expect(res.has(`lab-workers-${n}-node-${k}`)).toBe(false);
            expect(res.has(`lab-workers-${n}-routes-restart`)).toBe(false);
            expect(content(res, `lab-workers-${n}-node-kubelet-config`)).not.toContain("podCIDR");
        }
        expect(content(res, "lab-cp-m1-cp-cm-env")).toContain("--allocate-node-cidrs=true");
        const ns = get(res, "lab-addons-manifest-namespace-demo-cni");
        expect(ns.type).toBe("pulumi-nodejs:dynamic/ha-kubernetes:KubernetesObject");
        for (const o of ["configmap-demo-cni-demo-cni-config", "daemonset-demo-cni-demo-cni-node"]) {
            expect(dependsOnNames(get(res, `lab-addons-manifest-${o}`))).toContain("lab-addons-manifest-namespace-demo-cni");
        }
        expect(JSON.parse(get(res, "lab-addons-manifest-daemonset-demo-cni-demo-cni-node").inputs.manifest).spec.template.spec.containers[0].image).toBe("mirror.lab/demo-cni:1.0");
        // the user's objects need only the API (a CNI among them is what makes nodes Ready)
        const nsAfter = await outputResourceNames(ns.props?.connection);
        expect(nsAfter).toContain("lab-cp-m1-bootstrap");
        expect(nsAfter.filter((n) => n.endsWith("-node-ready"))).toEqual([]);
    });

    it("uploads image archives to every node and imports them after containerd, before the kubelet", async () => {
        const archive = path.join(__dirname, "fixtures", "images", "tiny.tar");
        const { res } = await deploy(baseCluster({ nodes: { imageArchives: [archive] } }));
        for (const n of ["m1", "w2"]) {
            const up = get(res, `lab-workers-${n}-upload-image-tiny`);
            expect(up.type).toBe("command:remote:CopyToRemote");
            expect(up.inputs.remotePath).toMatch(/^\/var\/lib\/ha-kubernetes\/images\/image-tiny-[0-9a-f]{16}\.tar$/);
            const restart = get(res, `lab-workers-${n}-node-restart`);
            expect(dependsOnNames(restart)).toContain(`lab-workers-${n}-upload-image-tiny`);
            const script: string = restart.inputs.create;
            const imported = script.indexOf(`ctr -n k8s.io images import '${up.inputs.remotePath}'`);
            expect(imported).toBeGreaterThan(script.indexOf("systemctl restart 'containerd'"));
            expect(imported).toBeLessThan(script.indexOf("systemctl restart 'kubelet'"));
        }
    });

    it("nodes.extraHosts: every node's /etc/hosts gets ha-kubernetes' block before anything is installed", async () => {
        const extraHosts = [{ address: "10.213.0.41", names: ["registry.lab.test", "mirror.lab.test"] }];
        const { res } = await deploy(baseCluster({ nodes: { extraHosts } }));
        const blocks = [...res.values()].filter((r) => r.type.endsWith(":ManagedBlock"));
        expect(blocks.map((b) => b.name).sort()).toEqual(["m1", "m2", "m3", "w1", "w2"].map((n) => `lab-workers-${n}-node-etc-hosts`));
        for (const b of blocks) {
            expect(b.inputs.path).toBe("/etc/hosts");
            expect(b.inputs.content).toMatch(/^# Managed by ha-kubernetes.*\n10\.213\.0\.41\tregistry\.lab\.test mirror\.lab\.test\n$/);
            expect(dependsOnNames(get(res, b.name.replace(/-etc-hosts$/, "-base")))).toContain(b.name);
        }
    });

    it("local artifacts are uploaded with CopyToRemote, not downloaded", async () => {
        const { res } = await deploy(baseCluster({ artifacts: { source: "local", directory: "/bundle", sha256: baseCluster().artifacts!.sha256 } }));
        const upload = get(res, "lab-workers-w1-upload-kubelet");
        expect(upload.type).toBe("command:remote:CopyToRemote");
        expect(get(res, "lab-workers-w1-bin-kubelet").inputs.create).not.toContain("curl");
        expect(get(res, "lab-cp-m1-bin-kube-apiserver").inputs.create).toContain("sha256sum -c");
    });

    it("bad input registers nothing at all", async () => {
        seen.clear();
        const bad = withHosts([
            { name: "m1", address: "10.213.0.11", roles: ["master"] },
            { name: "m2", address: "10.213.0.12", roles: ["master"] },
            { name: "w1", address: "10.213.0.21", roles: ["worker"] },
        ]);
        expect(() => new HaKubernetesCluster("lab", bad, {}, allFiles)).toThrow(/odd number of members/);
        await settle();
        expect(seen.size).toBe(0);
    });
});
