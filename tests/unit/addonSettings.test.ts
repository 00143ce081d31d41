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
        expect(addonSettings({ coredns: { replicas: 3 }, metricsServer: true, imageRepository: "m" })).toEqual({ imageRepository: "m", coredns: { replicas: 3 }, metricsServer: true });
        expect(addonSettings(undefined)).toEqual({ imageRepository: undefined, coredns: {}, metricsServer: undefined });
    });
});
