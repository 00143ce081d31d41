import {
    METRICS_SERVER,
    MetricsServerSpec,
    metricsServerDnsNames,
    renderMetricsServerApiService,
    renderMetricsServerObjects,
    renderMetricsServerSecret,
} from "../../../components/render/metricsServer";

const spec: MetricsServerSpec = { image: "mirror.example/metrics-server/metrics-server:v0.8.0", replicas: 2, resolutionSeconds: 15 };
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcfake\n-----END EC PRIVATE KEY-----\n";

type Obj = Record<string, any>;
const find = (objs: Obj[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as Obj;

describe("renderMetricsServerObjects", () => {
    const objs = renderMetricsServerObjects(spec) as Obj[];

    it("matches the snapshot", () => {
        expect(objs).toMatchSnapshot();
        expect(renderMetricsServerApiService(CERT)).toMatchSnapshot();
        expect(renderMetricsServerSecret(CERT, KEY)).toMatchSnapshot();
    });

    it("serves TLS with the issued certificate and verifies kubelets (nothing insecure)", () => {
        const c = find(objs, "Deployment").spec.template.spec.containers[0];
        expect(c.image).toBe(spec.image);
        expect(c.args).toEqual(
            expect.arrayContaining([
                "--secure-port=10250",
                "--tls-cert-file=/etc/metrics-server/tls/tls.crt",
                "--tls-private-key-file=/etc/metrics-server/tls/tls.key",
                "--kubelet-preferred-address-types=InternalIP",
                "--metric-resolution=15s",
            ]),
        );
        expect(JSON.stringify(objs)).not.toMatch(/insecure/i);
        const vol = find(objs, "Deployment").spec.template.spec.volumes.find((v: Obj) => v.name === "serving-cert");
        expect(vol.secret.secretName).toBe(METRICS_SERVER.certSecret);
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        // the certificate's files (0440) are readable by the pod's group, the user it runs as
        expect(find(objs, "Deployment").spec.template.spec.securityContext).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 65534,
            fsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(vol.secret.defaultMode).toBe(0o440);
    });

    it("grants what the aggregated API needs and nothing more", () => {
        const own = find(objs, "ClusterRole", "system:metrics-server");
        expect(own.rules).toEqual([
            { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
            { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
        ]);
        const bindings = objs.filter((o) => o.kind.endsWith("Binding")).map((o) => [o.kind, o.roleRef.name, o.subjects[0].name]);
        expect(bindings).toEqual([
            ["ClusterRoleBinding", "system:metrics-server", "metrics-server"],
            ["ClusterRoleBinding", "system:auth-delegator", "metrics-server"],
            ["RoleBinding", "extension-apiserver-authentication-reader", "metrics-server"],
        ]);
        expect(find(objs, "ClusterRole", "system:aggregated-metrics-reader").metadata.labels["rbac.authorization.k8s.io/aggregate-to-view"]).toBe("true");
    });

    it("keeps one replica through drains only when there are two", () => {
        expect(find(objs, "PodDisruptionBudget").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { "k8s-app": "metrics-server" } } });
        const one = renderMetricsServerObjects({ ...spec, replicas: 1 }) as Obj[];
        expect(find(one, "PodDisruptionBudget")).toBeUndefined();
        expect(find(one, "Deployment").spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    });

    it("refuses bad values", () => {
        expect(() => renderMetricsServerObjects({ ...spec, image: "bad image" })).toThrow(/image/);
        expect(() => renderMetricsServerObjects({ ...spec, replicas: 0 })).toThrow(/replicas/);
        expect(() => renderMetricsServerObjects({ ...spec, resolutionSeconds: 5 })).toThrow(/resolution/);
    });
});

describe("the certificate objects", () => {
    it("the Secret carries the certificate and key, base64", () => {
        const s = renderMetricsServerSecret(CERT, KEY) as Obj;
        expect(s).toMatchObject({ kind: "Secret", type: "kubernetes.io/tls", metadata: { name: METRICS_SERVER.certSecret, namespace: "kube-system" } });
        expect(Buffer.from(s.data["tls.crt"], "base64").toString()).toBe(CERT);
        expect(Buffer.from(s.data["tls.key"], "base64").toString()).toBe(KEY);
        expect(() => renderMetricsServerSecret("nope", KEY)).toThrow(/certificate/);
        expect(() => renderMetricsServerSecret(CERT, "nope")).toThrow(/key/);
    });

    it("the APIService is verified with the CA (no insecureSkipTLSVerify) and points at the Service", () => {
        const a = renderMetricsServerApiService(CERT) as Obj;
        expect(a.metadata.name).toBe("v1beta1.metrics.k8s.io");
        expect(a.spec.service).toEqual({ name: "metrics-server", namespace: "kube-system", port: 443 });
        expect(Buffer.from(a.spec.caBundle, "base64").toString()).toBe(CERT);
        expect(a.spec.insecureSkipTLSVerify).toBeUndefined();
        expect(() => renderMetricsServerApiService("")).toThrow(/CA bundle/);
    });

    it("the serving names are the Service's", () => {
        expect(metricsServerDnsNames("cluster.local")).toEqual(["metrics-server.kube-system.svc", "metrics-server.kube-system.svc.cluster.local"]);
    });
});
