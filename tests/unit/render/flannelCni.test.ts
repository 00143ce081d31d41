import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderFlannelCniScript, renderFlannelCniUnit } from "../../../components/render/flannelCni";

describe("flannel CNI configuration from the subnet lease", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-fcni-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(subnetEnv: string): Record<string, any> {
        const env = path.join(dir, "subnet.env");
        const conf = path.join(dir, "net.d", "10-ha-kubernetes.conflist");
        fs.writeFileSync(env, subnetEnv);
        const script = renderFlannelCniScript().replace("/run/flannel/subnet.env", env).replace("/etc/cni/net.d/10-ha-kubernetes.conflist", conf);
        execFileSync("/bin/sh", ["-c", script]);
        return JSON.parse(fs.readFileSync(conf, "utf8"));
    }

    it("matches the snapshots", () => {
        expect(renderFlannelCniScript()).toMatchSnapshot();
        expect(renderFlannelCniUnit()).toMatchSnapshot();
    });
    it("writes a bridge + host-local conflist for the leased network", () => {
        const c = run("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
        expect(c.plugins[0]).toMatchObject({ type: "bridge", bridge: "cni0", mtu: 1450, ipMasq: false });
        expect(c.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.3.0/24" }]]);
        expect(c.plugins[1].type).toBe("portmap");
        expect(fs.statSync(path.join(dir, "net.d", "10-ha-kubernetes.conflist")).mode & 0o777).toBe(0o600);
    });
    it("computes the network of other prefix lengths", () => {
        expect(run("FLANNEL_SUBNET=10.244.5.129/25\nFLANNEL_MTU=1500\n").plugins[0].ipam.ranges[0][0].subnet).toBe("10.244.5.128/25");
        expect(run("FLANNEL_SUBNET=172.16.33.1/20\n").plugins[0].ipam.ranges[0][0].subnet).toBe("172.16.32.0/20");
    });
});
