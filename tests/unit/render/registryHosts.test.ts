import { parse } from "smol-toml";
import { registryHostsDir, renderRegistryHostsToml } from "../../../components/render/registryHosts";

describe("registryHostsDir", () => {
    it("is certs.d/<host[:port]>", () => {
        expect(registryHostsDir("registry.lab.test:5000")).toBe("/etc/containerd/certs.d/registry.lab.test:5000");
        expect(registryHostsDir("10.213.0.5")).toBe("/etc/containerd/certs.d/10.213.0.5");
        for (const bad of ["", "../etc", "a/b", "host:99999", "https://x", "a b"]) expect(() => registryHostsDir(bad)).toThrow(/host/);
    });
});

describe("renderRegistryHostsToml", () => {
    const spec = {
        server: "registry.lab.test:5000",
        mirrors: [
            { url: "https://mirror.lab.test:5001/v2-prefix", capabilities: ["pull" as const, "resolve" as const], caFile: "/etc/containerd/certs.d/registry.lab.test:5000/ca.crt" },
            { url: "http://10.213.0.5:5000", capabilities: ["pull" as const], skipVerify: true },
        ],
    };

    it("matches the snapshot", () => {
        expect(renderRegistryHostsToml(spec)).toMatchSnapshot();
    });

    it("lists the endpoints in order with their settings", () => {
        const t = parse(renderRegistryHostsToml(spec)) as { server: string; host: Record<string, Record<string, unknown>> };
        expect(t.server).toBe("https://registry.lab.test:5000");
        expect(Object.keys(t.host)).toEqual(["https://mirror.lab.test:5001/v2-prefix", "http://10.213.0.5:5000"]);
        expect(t.host["https://mirror.lab.test:5001/v2-prefix"]).toEqual({ capabilities: ["pull", "resolve"], ca: "/etc/containerd/certs.d/registry.lab.test:5000/ca.crt" });
        expect(t.host["http://10.213.0.5:5000"]).toEqual({ capabilities: ["pull"], skip_verify: true });
        const d = parse(renderRegistryHostsToml({ server: "r.test", mirrors: [{ url: "https://r.test/" }] })) as { host: Record<string, { capabilities: string[] }> };
        expect(d.host["https://r.test"].capabilities).toEqual(["pull", "resolve"]);
    });

    it("rejects bad specs", () => {
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [] })).toThrow(/at least one/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "ftp://x" }] })).toThrow(/http/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "https://user:pw@x" }] })).toThrow(/credentials/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "https://x" }, { url: "https://x/" }] })).toThrow(/duplicate/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "https://x", capabilities: [] }] })).toThrow(/capabilities/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "https://x", capabilities: ["delete" as never] }] })).toThrow(/capabilities/);
        expect(() => renderRegistryHostsToml({ ...spec, mirrors: [{ url: "https://x", caFile: "ca.crt" }] })).toThrow(/caFile/);
        expect(() => renderRegistryHostsToml({ ...spec, server: "bad server" })).toThrow(/host/);
    });
});
