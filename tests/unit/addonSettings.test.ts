import { validateAddons } from "../../components/addons";
import { addonSettingProblems, addonSettings, resolveAddons } from "../../components/addonSettings";

describe("add-on settings", () => {
    it("defaults: CoreDNS from its project, no metrics-server", () => {
        expect(resolveAddons({})).toEqual({
            coredns: { image: "coredns/coredns:1.13.1", replicas: 2, upstreams: ["/etc/resolv.conf"], cacheSeconds: 30 },
            metricsServer: false,
        });
    });

    it("an image repository moves both default images; a given image wins", () => {
        const r = resolveAddons({ imageRepository: "mirror.lab:5000/k8s/", metricsServer: true });
        expect(r.coredns && r.coredns.image).toBe("mirror.lab:5000/k8s/coredns/coredns:v1.13.1");
        expect(r.metricsServer).toEqual({ image: "mirror.lab:5000/k8s/metrics-server/metrics-server:v0.8.0", replicas: 2, resolutionSeconds: 15 });
        const own = resolveAddons({ imageRepository: "mirror.lab", coredns: { image: "x/coredns:1" }, metricsServer: { image: "y/ms:2", replicas: 1, resolutionSeconds: 30 } });
        expect(own).toEqual({ coredns: expect.objectContaining({ image: "x/coredns:1" }), metricsServer: { image: "y/ms:2", replicas: 1, resolutionSeconds: 30 } });
    });

    it("metrics-server without an image or repository is a problem, not a guess", () => {
        expect(addonSettingProblems({ metricsServer: true }, "addons").map((p) => p.propertyPath)).toEqual(["addons.metricsServer.image"]);
        expect(() => resolveAddons({ metricsServer: true })).toThrow(/no image/);
        expect(addonSettingProblems({ metricsServer: false }, "addons")).toEqual([]);
        expect(resolveAddons({ metricsServer: false }).metricsServer).toBe(false);
    });

    it("the stack configuration's coredns.enabled false turns CoreDNS off", () => {
        expect(addonSettings({ coredns: { enabled: false, replicas: 3 } }).coredns).toBe(false);
        expect(addonSettings({ coredns: { replicas: 3 }, metricsServer: true, imageRepository: "m" })).toEqual({
            imageRepository: "m",
            coredns: { replicas: 3 },
            metricsServer: true,
        });
        expect(addonSettings(undefined)).toEqual({ imageRepository: undefined, coredns: {}, metricsServer: undefined });
    });
});

describe("validateAddons (the Addons component's own arguments)", () => {
    const base = {
        kubectlHost: { name: "m1", address: "10.0.0.11", connection: {} } as never,
        controlPlaneReady: true,
        nodesReady: true,
        clusterDomain: "cluster.local",
        clusterDnsIp: "10.96.0.10",
    };

    it("accepts good arguments", () => {
        expect(validateAddons(base)).toEqual([]);
    });

    it("reports every problem, addressed without a prefix", () => {
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" } };
        const problems = validateAddons({
            ...base,
            clusterDnsIp: "10.96.0.300",
            metricsServer: true,
            coredns: { replicas: 0 },
            objects: [cm, { kind: "ConfigMap" }, { ...cm }],
        });
        expect(problems).toEqual([
            { propertyPath: "clusterDnsIp", reason: expect.stringMatching(/not IPv4/) },
            { propertyPath: "coredns.replicas", reason: expect.stringMatching(/positive whole number/) },
            { propertyPath: "metricsServer.image", reason: expect.stringMatching(/set metricsServer\.image .* or imageRepository$/) },
            { propertyPath: "metricsServer", reason: expect.stringMatching(/needs ca and validity/) },
            { propertyPath: "objects[1]", reason: "every object needs apiVersion, kind and metadata.name" },
            { propertyPath: "objects[2]", reason: "ConfigMap a is declared twice (also in objects[0])" },
        ]);
    });
});
