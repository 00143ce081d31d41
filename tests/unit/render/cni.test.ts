import { CNI_NETWORK_NAME, renderBridgeConflist, renderFlannelConflist, renderLoopbackConf } from "../../../components/render/cni";

describe("renderBridgeConflist", () => {
    it("matches the snapshot", () => {
        expect(renderBridgeConflist({ podCidr: "10.244.1.0/24" })).toMatchSnapshot();
    });

    it("is a CNI 1.0.0 bridge + portmap list on the node's pod CIDR", () => {
        const c = JSON.parse(renderBridgeConflist({ podCidr: "10.244.1.0/24", clusterCidr: "10.244.0.0/16" }));
        expect(c.cniVersion).toBe("1.0.0");
        expect(c.name).toBe(CNI_NETWORK_NAME);
        expect(c.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
        const bridge = c.plugins[0];
        expect(bridge).toMatchObject({ bridge: "cni0", isGateway: true, ipMasq: true, hairpinMode: true });
        expect(bridge).not.toHaveProperty("mtu");
        expect(bridge.ipam).toEqual({ type: "host-local", ranges: [[{ subnet: "10.244.1.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] });
        expect(c.plugins[1].capabilities).toEqual({ portMappings: true });
    });

    it("honours bridge name, MTU and ipMasq", () => {
        const bridge = JSON.parse(renderBridgeConflist({ podCidr: "10.244.1.0/24", bridgeName: "br-pods", mtu: 1450, ipMasq: false })).plugins[0];
        expect(bridge).toMatchObject({ bridge: "br-pods", mtu: 1450, ipMasq: false });
    });

    it("rejects bad specs", () => {
        expect(() => renderBridgeConflist({ podCidr: "10.244.1.0" })).toThrow(/CIDR/);
        expect(() => renderBridgeConflist({ podCidr: "10.244.1.1/24" })).toThrow(/host bits/);
        expect(() => renderBridgeConflist({ podCidr: "10.244.1.0/31" })).toThrow(/too small/);
        expect(() => renderBridgeConflist({ podCidr: "10.245.1.0/24", clusterCidr: "10.244.0.0/16" })).toThrow(/not inside/);
        expect(() => renderBridgeConflist({ podCidr: "10.244.0.0/15", clusterCidr: "10.244.0.0/16" })).toThrow(/not inside/);
        expect(() => renderBridgeConflist({ podCidr: "10.244.1.0/24", bridgeName: "a-very-long-bridge-name" })).toThrow(/interface name/);
        expect(() => renderBridgeConflist({ podCidr: "10.244.1.0/24", mtu: 100 })).toThrow(/mtu/);
    });
});

describe("renderLoopbackConf / renderFlannelConflist", () => {
    it("loopback is a CNI 1.0.0 loopback network", () => {
        expect(JSON.parse(renderLoopbackConf())).toEqual({ cniVersion: "1.0.0", name: "lo", type: "loopback" });
    });

    it("flannel delegates to bridge with hairpin and default gateway, plus portmap", () => {
        const text = renderFlannelConflist();
        expect(text).toMatchSnapshot();
        const c = JSON.parse(text);
        expect(c.cniVersion).toBe("0.3.1");
        expect(c.plugins).toEqual([
            { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
            { type: "portmap", capabilities: { portMappings: true } },
        ]);
        expect(JSON.parse(renderFlannelConflist({ hairpinMode: false, isDefaultGateway: false })).plugins[0].delegate).toEqual({ hairpinMode: false, isDefaultGateway: false });
    });
});
