import YAML from "yaml";
import { KubeProxyConfigSpec, renderKubeProxyConfig, renderKubeProxyEnv, renderKubeProxyUnit } from "../../../components/render/kubeProxy";
import { expectComponentConfig, expectStaticUnit } from "./nodeRenderHelpers";

const spec: KubeProxyConfigSpec = { clusterCidr: "10.244.0.0/16", mode: "iptables", hostnameOverride: "w1", conntrackMaxPerCore: 0 };

describe("renderKubeProxyConfig", () => {
    it("matches the snapshot; a KubeProxyConfiguration using the kube-proxy kubeconfig", () => {
        const c = expectComponentConfig(renderKubeProxyConfig(spec), "kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration");
        expect(c.clientConnection.kubeconfig).toBe("/var/lib/kube-proxy/kubeconfig");
        expect(c.mode).toBe("iptables");
        expect(c.clusterCIDR).toBe("10.244.0.0/16");
        expect(c.hostnameOverride).toBe("w1");
        expect(c.conntrack).toEqual({ maxPerCore: 0 });
        expect(c.metricsBindAddress).toBe("127.0.0.1:10249");
        expect(c.nodePortAddresses).toEqual(["primary"]);
    });

    it("leaves conntrack to kube-proxy unless set, and merges extra", () => {
        const c = YAML.parse(
            renderKubeProxyConfig({
                clusterCidr: "10.244.0.0/16",
                mode: "nftables",
                metricsBindAddress: "0.0.0.0:10249",
                nodePortAddresses: ["10.213.0.0/24"],
                extra: { conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s" } },
            }),
        );
        expect(c.mode).toBe("nftables");
        expect(c).not.toHaveProperty("hostnameOverride");
        expect(c.metricsBindAddress).toBe("0.0.0.0:10249");
        expect(c.nodePortAddresses).toEqual(["10.213.0.0/24"]);
        expect(c.conntrack).toEqual({ maxPerCore: 0, tcpEstablishedTimeout: "0s" });
        expect(YAML.parse(renderKubeProxyConfig({ clusterCidr: "10.244.0.0/16", mode: "ipvs" }))).not.toHaveProperty("conntrack");
    });

    it("rejects bad specs", () => {
        expect(() => renderKubeProxyConfig({ ...spec, clusterCidr: "10.244.0.0" })).toThrow(/CIDR/);
        expect(() => renderKubeProxyConfig({ ...spec, mode: "userspace" as never })).toThrow(/mode/);
        expect(() => renderKubeProxyConfig({ ...spec, conntrackMaxPerCore: -1 })).toThrow(/conntrackMaxPerCore/);
        expect(() => renderKubeProxyConfig({ ...spec, metricsBindAddress: "localhost:10249" })).toThrow(/metricsBindAddress/);
        expect(() => renderKubeProxyConfig({ ...spec, nodePortAddresses: ["all"] })).toThrow(/CIDR/);
        expect(() => renderKubeProxyConfig({ ...spec, extra: { clientConnection: {} } })).toThrow(/managed/);
    });
});

describe("renderKubeProxyUnit / renderKubeProxyEnv", () => {
    it("has a static unit and per-node flags in the env file", () => {
        expectStaticUnit(renderKubeProxyUnit(), "/etc/kubernetes/kube-proxy.env", "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.yaml $KUBE_PROXY_ARGS");
        const env = renderKubeProxyEnv({ hostnameOverride: "w1", extraArgs: { v: 2 } });
        expect(env).toMatchSnapshot();
        expect(env).toContain('KUBE_PROXY_ARGS="--hostname-override=w1 --v=2"');
        expect(() => renderKubeProxyEnv({ hostnameOverride: "w1", extraArgs: { config: "/tmp/x" } })).toThrow(/managed/);
        expect(() => renderKubeProxyEnv({ hostnameOverride: "w 1" })).toThrow(/hostnameOverride/);
    });
});
