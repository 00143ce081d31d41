import YAML from "yaml";
import { KubeletConfigSpec, renderKubeletConfig, renderKubeletEnv, renderKubeletUnit } from "../../../components/render/kubelet";
import { expectComponentConfig, expectStaticUnit } from "./nodeRenderHelpers";

const spec: KubeletConfigSpec = {
    clusterDns: ["10.96.0.10"],
    clusterDomain: "cluster.local",
    podCidr: "10.244.1.0/24",
    cgroupDriver: "systemd",
};

function envValue(file: string, name: string): string {
    const line = file.split("\n").find((l) => l.startsWith(`${name}=`))!;
    return JSON.parse(line.slice(name.length + 1));
}

describe("renderKubeletConfig", () => {
    it("matches the snapshot; locks down authentication, authorization and the serving certificate", () => {
        const c = expectComponentConfig(renderKubeletConfig(spec), "kubelet.config.k8s.io/v1beta1", "KubeletConfiguration");
        expect(c.authentication.anonymous.enabled).toBe(false);
        expect(c.authentication.webhook.enabled).toBe(true);
        expect(c.authentication.x509.clientCAFile).toBe("/etc/kubernetes/pki/ca.crt");
        expect(c.authorization.mode).toBe("Webhook");
        expect(c.readOnlyPort).toBe(0);
        expect(c.tlsCertFile).toBe("/var/lib/kubelet/pki/kubelet.crt");
        expect(c.tlsPrivateKeyFile).toBe("/var/lib/kubelet/pki/kubelet.key");
        expect(c.rotateCertificates).toBe(false);
        expect(c.serverTLSBootstrap).toBe(false);
        expect(c.protectKernelDefaults).toBe(false);
        // CIS 4.2.12 strong ciphers; the runtime's seccomp profile by default; a pod PID limit
        expect(c.tlsCipherSuites).toHaveLength(6);
        // the spellings kube-bench's CIS 4.2.12 list accepts (ChaCha20 by its short name)
        expect([...c.tlsCipherSuites].sort()).toEqual([
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        ]);
        expect(c.seccompDefault).toBe(true);
        expect(c.podPidsLimit).toBe(4096);
        expect(c).not.toHaveProperty("staticPodPath");
        expect(c.cgroupDriver).toBe("systemd");
        expect(c.containerRuntimeEndpoint).toBe("unix:///run/containerd/containerd.sock");
        expect(c.clusterDNS).toEqual(["10.96.0.10"]);
        expect(c.clusterDomain).toBe("cluster.local");
        expect(c.podCIDR).toBe("10.244.1.0/24");
        for (const k of ["maxPods", "failSwapOn", "resolvConf", "cgroupsPerQOS", "enforceNodeAllocatable", "localStorageCapacityIsolation", "failCgroupV1", "evictionHard"])
            expect(c).not.toHaveProperty(k);
    });

    it("writes the optional settings and merges extra", () => {
        // the settings written under the same name (cgroupsPerQos is the config's cgroupsPerQOS)
        const same = {
            cgroupDriver: "cgroupfs",
            containerRuntimeEndpoint: "unix:///run/other.sock",
            maxPods: 50,
            evictionHard: { "memory.available": "100Mi", "nodefs.available": "5%" },
            failSwapOn: false,
            resolvConf: "",
            enforceNodeAllocatable: [],
            localStorageCapacityIsolation: false,
            failCgroupV1: false,
        } satisfies Partial<KubeletConfigSpec>;
        const extra = { serializeImagePulls: false, featureGates: { Foo: true } };
        const c = YAML.parse(renderKubeletConfig({ ...spec, ...same, cgroupsPerQos: false, extra }));
        expect(c).toMatchObject({ ...same, cgroupsPerQOS: false, ...extra });
        expect(c.authentication.anonymous.enabled).toBe(false);
    });

    it("refuses to let extra override the security settings", () => {
        for (const k of [
            "authentication",
            "authorization",
            "readOnlyPort",
            "tlsCertFile",
            "tlsPrivateKeyFile",
            "rotateCertificates",
            "serverTLSBootstrap",
            "staticPodPath",
            "apiVersion",
        ]) {
            expect(() => renderKubeletConfig({ ...spec, extra: { [k]: 1 } })).toThrow(/managed by ha-kubernetes/);
        }
    });

    it("rejects bad specs", () => {
        expect(() => renderKubeletConfig({ ...spec, clusterDns: ["10.96.0.300"] })).toThrow(/clusterDns/);
        expect(() => renderKubeletConfig({ ...spec, clusterDomain: "Cluster Local" })).toThrow(/clusterDomain/);
        expect(() => renderKubeletConfig({ ...spec, podCidr: "10.244.1.0/33" })).toThrow(/CIDR/);
        expect(() => renderKubeletConfig({ ...spec, cgroupDriver: "cgroupv2" as never })).toThrow(/cgroupDriver/);
        expect(() => renderKubeletConfig({ ...spec, containerRuntimeEndpoint: "/run/containerd/containerd.sock" })).toThrow(/containerRuntimeEndpoint/);
        expect(() => renderKubeletConfig({ ...spec, maxPods: 0 })).toThrow(/maxPods/);
        expect(() => renderKubeletConfig({ ...spec, evictionHard: { "memory.available": "lots" } })).toThrow(/evictionHard/);
        expect(() => renderKubeletConfig({ ...spec, enforceNodeAllocatable: ["everything"] })).toThrow(/enforceNodeAllocatable/);
        expect(() => renderKubeletConfig({ ...spec, resolvConf: "resolv.conf" })).toThrow(/resolvConf/);
    });
});

describe("renderKubeletUnit", () => {
    it("is static and runs the kubelet after containerd", () => {
        const unit = renderKubeletUnit();
        expectStaticUnit(
            unit,
            "/etc/kubernetes/kubelet.env",
            "/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/var/lib/kubelet/kubeconfig $KUBELET_ARGS",
        );
        expect(unit).toMatch(/^After=.*containerd\.service/m);
        expect(unit).toMatch(/^Requires=containerd\.service$/m);
    });
});

describe("renderKubeletEnv", () => {
    it("matches the snapshot and carries the per-node flags", () => {
        const env = renderKubeletEnv({
            hostnameOverride: "w1",
            nodeIp: "10.213.0.21",
            nodeLabels: { "example.com/pool": "blue", "node.kubernetes.io/exclude-from-external-load-balancers": "", "topology.kubernetes.io/zone": "z1" },
            registerWithTaints: [
                { key: "dedicated", value: "infra", effect: "NoSchedule" },
                { key: "example.com/gpu", effect: "NoExecute" },
            ],
            extraArgs: { v: 2 },
        });
        expect(env).toMatchSnapshot();
        const args = envValue(env, "KUBELET_ARGS").split(" ");
        expect(args).toEqual([
            "--hostname-override=w1",
            "--node-ip=10.213.0.21",
            "--node-labels=example.com/pool=blue,node.kubernetes.io/exclude-from-external-load-balancers=,topology.kubernetes.io/zone=z1",
            "--register-with-taints=dedicated=infra:NoSchedule,example.com/gpu:NoExecute",
            "--v=2",
        ]);
        expect(envValue(renderKubeletEnv({ hostnameOverride: "w2", nodeIp: "10.213.0.22" }), "KUBELET_ARGS")).toBe("--hostname-override=w2 --node-ip=10.213.0.22");
    });

    it("rejects labels kubelets may not set, bad taints and managed flags", () => {
        const base = { hostnameOverride: "w1", nodeIp: "10.213.0.21" };
        expect(() => renderKubeletEnv({ ...base, nodeLabels: { "node-role.kubernetes.io/worker": "" } })).toThrow(/NodeRestriction/);
        expect(() => renderKubeletEnv({ ...base, nodeLabels: { "foo.k8s.io/x": "y" } })).toThrow(/NodeRestriction/);
        expect(() => renderKubeletEnv({ ...base, nodeLabels: { "bad key": "y" } })).toThrow(/qualified name/);
        expect(() => renderKubeletEnv({ ...base, nodeLabels: { a: "b c" } })).toThrow(/label value/);
        expect(() => renderKubeletEnv({ ...base, registerWithTaints: [{ key: "a", effect: "Sometimes" }] })).toThrow(/effect/);
        expect(() => renderKubeletEnv({ ...base, registerWithTaints: [{ key: "a=b", effect: "NoSchedule" }] })).toThrow(/taint key/);
        expect(() => renderKubeletEnv({ ...base, extraArgs: { "anonymous-auth": true } })).toThrow(/managed/);
        expect(() => renderKubeletEnv({ ...base, extraArgs: { "read-only-port": 10255 } })).toThrow(/managed/);
        expect(() => renderKubeletEnv({ ...base, nodeIp: "w1" })).toThrow(/nodeIp/);
        expect(() => renderKubeletEnv({ ...base, hostnameOverride: "W1 x" })).toThrow(/hostnameOverride/);
    });
});
