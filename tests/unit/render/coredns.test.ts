import { coreDnsSettingProblems, CoreDnsSpec, isDnsUpstream, renderCorefile, renderCoreDnsObjects } from "../../../components/render/coredns";

const spec: CoreDnsSpec = {
    image: "coredns/coredns:1.13.1",
    clusterIp: "10.96.0.10",
    clusterDomain: "cluster.local",
    replicas: 2,
    upstreams: ["/etc/resolv.conf"],
    cacheSeconds: 30,
};

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
const byKind = (objs: Record<string, unknown>[], kind: string) => objs.find((o) => o.kind === kind) as Obj & Record<string, any>;

describe("renderCorefile", () => {
    it("matches the snapshot", () => {
        expect(renderCorefile(spec)).toMatchSnapshot();
    });

    it("serves the cluster domain from the API, probes, metrics, cache and the upstreams", () => {
        const c = renderCorefile({ ...spec, clusterDomain: "k8s.example", upstreams: ["10.0.0.2", "10.0.0.3:5353"], cacheSeconds: 10 });
        expect(c).toContain("kubernetes k8s.example in-addr.arpa ip6.arpa {");
        expect(c).toContain("forward . 10.0.0.2 10.0.0.3:5353 {");
        expect(c).toContain("cache 10 {");
        expect(c).toContain("disable success k8s.example");
        for (const plugin of ["health {", "ready", "prometheus :9153", "loop", "reload", "loadbalance", "pods insecure"]) expect(c).toContain(plugin);
    });

    it("without upstreams answers cluster names only (no forward)", () => {
        expect(renderCorefile({ ...spec, upstreams: [] })).not.toContain("forward");
    });

    it("refuses bad values", () => {
        expect(() => renderCorefile({ ...spec, clusterDomain: "Bad Domain" })).toThrow(/cluster domain/);
        expect(() => renderCorefile({ ...spec, upstreams: ["dns.example; rm -rf /"] })).toThrow(/upstream/);
        expect(() => renderCorefile({ ...spec, clusterIp: "10.96.0.300" })).toThrow(/IPv4/);
        expect(() => renderCorefile({ ...spec, replicas: 0 })).toThrow(/replicas/);
        expect(() => renderCorefile({ ...spec, image: "bad image" })).toThrow(/image/);
    });
});

describe("renderCoreDnsObjects", () => {
    const objs = renderCoreDnsObjects(spec);

    it("matches the snapshot", () => {
        expect(objs).toMatchSnapshot();
    });

    it("gives the kube-dns Service the cluster DNS address, DNS and metrics ports", () => {
        const svc = byKind(objs, "Service");
        expect(svc.metadata).toMatchObject({ name: "kube-dns", namespace: "kube-system" });
        expect(svc.spec.clusterIP).toBe("10.96.0.10");
        expect(svc.spec.ports.map((p: { port: number; protocol: string }) => `${p.port}/${p.protocol}`)).toEqual(["53/UDP", "53/TCP", "9153/TCP"]);
        expect(svc.spec.selector).toEqual({ "k8s-app": "kube-dns" });
    });

    it("runs the replicas spread over nodes, on control-plane nodes too, probed, with a disruption budget", () => {
        const d = byKind(objs, "Deployment");
        expect(d.spec.replicas).toBe(2);
        const pod = d.spec.template.spec;
        expect(pod.tolerations).toContainEqual({ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" });
        expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
        expect(pod.topologySpreadConstraints[0]).toMatchObject({ maxSkew: 1, topologyKey: "kubernetes.io/hostname" });
        expect(pod.priorityClassName).toBe("system-cluster-critical");
        expect(pod.dnsPolicy).toBe("Default");
        const c = pod.containers[0];
        expect(c.image).toBe("coredns/coredns:1.13.1");
        expect(c.livenessProbe.httpGet).toMatchObject({ path: "/health", port: 8080 });
        expect(c.readinessProbe.httpGet).toMatchObject({ path: "/ready", port: 8181 });
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, readOnlyRootFilesystem: true });
        expect(byKind(objs, "PodDisruptionBudget").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { "k8s-app": "kube-dns" } } });
    });

    it("holds the Corefile in its ConfigMap and the RBAC CoreDNS's kubernetes plugin needs", () => {
        expect(byKind(objs, "ConfigMap").data.Corefile).toBe(renderCorefile(spec));
        const role = byKind(objs, "ClusterRole");
        expect(role.rules).toContainEqual({ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] });
        expect(byKind(objs, "ClusterRoleBinding").subjects).toEqual([{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }]);
        expect(objs.map((o) => o.kind)).toEqual(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "PodDisruptionBudget", "Service"]);
    });
});

describe("CoreDNS settings", () => {
    it("upstreams are addresses with an optional port, or a resolv.conf path", () => {
        for (const ok of ["10.0.0.2", "10.0.0.2:53", "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"]) expect(isDnsUpstream(ok)).toBe(true);
        for (const bad of ["dns.example", "10.0.0.256", "10.0.0.2:0", "10.0.0.2:70000", "etc/resolv.conf", "/etc/resolv conf", ""]) expect(isDnsUpstream(bad)).toBe(false);
    });

    it("reports every bad setting under its path", () => {
        expect(coreDnsSettingProblems({ replicas: 0, cacheSeconds: -1, image: "a b", upstreams: ["x", "10.0.0.2"] }, "addons.coredns").map((p) => p.propertyPath)).toEqual([
            "addons.coredns.replicas",
            "addons.coredns.cacheSeconds",
            "addons.coredns.image",
            "addons.coredns.upstreams[0]",
        ]);
        expect(coreDnsSettingProblems({ upstreams: "10.0.0.2" }, "c")).toEqual([{ propertyPath: "c.upstreams", reason: "upstreams must be a list" }]);
        expect(coreDnsSettingProblems({}, "c")).toEqual([]);
    });
});
