import { renderFlanneldEnv, renderFlanneldUnit, renderFlannelNetConf } from "../../../components/render/flannel";
import { expectStaticUnit } from "./nodeRenderHelpers";

function envValue(file: string, name: string): string {
    const line = file.split("\n").find((l) => l.startsWith(`${name}=`))!;
    return JSON.parse(line.slice(name.length + 1));
}

describe("renderFlannelNetConf", () => {
    it("matches the snapshot and parses back", () => {
        const text = renderFlannelNetConf({ network: "10.244.0.0/16", backend: "vxlan" });
        expect(text).toMatchSnapshot();
        expect(JSON.parse(text)).toEqual({ Network: "10.244.0.0/16", SubnetLen: 24, Backend: { Type: "vxlan", VNI: 1, Port: 8472 } });
        expect(JSON.parse(renderFlannelNetConf({ network: "10.244.0.0/16", subnetLen: 26, backend: "host-gw" }))).toEqual({
            Network: "10.244.0.0/16",
            SubnetLen: 26,
            Backend: { Type: "host-gw" },
        });
    });

    it("rejects bad specs", () => {
        expect(() => renderFlannelNetConf({ network: "10.244.0.0/29", backend: "vxlan" })).toThrow(/too small/);
        expect(() => renderFlannelNetConf({ network: "10.244.0.0/16", subnetLen: 16, backend: "vxlan" })).toThrow(/subnetLen/);
        expect(() => renderFlannelNetConf({ network: "10.244.0.0/16", subnetLen: 31, backend: "vxlan" })).toThrow(/subnetLen/);
        expect(() => renderFlannelNetConf({ network: "10.244.0.0/16", backend: "udp" as never })).toThrow(/backend/);
        expect(() => renderFlannelNetConf({ network: "10.244.0.1/16", backend: "vxlan" })).toThrow(/host bits/);
    });
});

describe("renderFlanneldUnit / renderFlanneldEnv", () => {
    it("has a static unit", () => {
        expectStaticUnit(renderFlanneldUnit(), "/etc/kubernetes/flanneld.env", "/usr/local/bin/flanneld $FLANNELD_ARGS");
    });

    it("puts the node name and flags in the env file", () => {
        const env = renderFlanneldEnv({ nodeName: "w1", iface: "10.213.0.21" });
        expect(env).toMatchSnapshot();
        expect(envValue(env, "NODE_NAME")).toBe("w1");
        expect(envValue(env, "FLANNELD_ARGS").split(" ")).toEqual([
            "--kube-subnet-mgr=true",
            "--kubeconfig-file=/etc/kubernetes/flanneld.kubeconfig",
            "--iface=10.213.0.21",
            "--ip-masq=true",
            "--net-config-path=/etc/kube-flannel/net-conf.json",
            "--subnet-file=/run/flannel/subnet.env",
        ]);
        const other = envValue(
            renderFlanneldEnv({ nodeName: "w2", iface: "eth1", kubeconfigPath: "/etc/flannel/kc", ipMasq: false, extraArgs: { "healthz-port": 8471 } }),
            "FLANNELD_ARGS",
        );
        expect(other).toContain("--iface=eth1");
        expect(other).toContain("--kubeconfig-file=/etc/flannel/kc");
        expect(other).toContain("--ip-masq=false");
        expect(other).toContain("--healthz-port=8471");
    });

    it("rejects bad specs", () => {
        expect(() => renderFlanneldEnv({ nodeName: "W1", iface: "eth0" })).toThrow(/nodeName/);
        expect(() => renderFlanneldEnv({ nodeName: "w1", iface: "eth0 --x" })).toThrow(/iface/);
        expect(() => renderFlanneldEnv({ nodeName: "w1", iface: "eth0", kubeconfigPath: "kc" })).toThrow(/kubeconfigPath/);
        expect(() => renderFlanneldEnv({ nodeName: "w1", iface: "eth0", extraArgs: { "kube-subnet-mgr": false } })).toThrow(/managed/);
    });
});
