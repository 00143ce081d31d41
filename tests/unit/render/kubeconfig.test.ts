import YAML from "yaml";
import { KubeconfigSpec, renderKubeconfig } from "../../../components/render/kubeconfig";
import { CA_PEM, CLIENT_CERT_PEM, CLIENT_KEY_PEM } from "./controlPlaneFixtures";

const spec: KubeconfigSpec = {
    clusterName: "ha-kubernetes",
    server: "https://10.213.0.10:6443",
    caCertPem: CA_PEM,
    userName: "admin",
    clientCertPem: CLIENT_CERT_PEM,
    clientKeyPem: CLIENT_KEY_PEM,
};

const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

describe("renderKubeconfig", () => {
    it("matches the snapshot", () => {
        expect(renderKubeconfig(spec)).toMatchSnapshot();
    });

    it("parses back to one cluster, user and current context with the PEMs embedded", () => {
        const text = renderKubeconfig(spec);
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const k = YAML.parse(text);
        expect(k.apiVersion).toBe("v1");
        expect(k.kind).toBe("Config");
        expect(k.clusters).toHaveLength(1);
        expect(k.clusters[0].name).toBe("ha-kubernetes");
        expect(k.clusters[0].cluster.server).toBe("https://10.213.0.10:6443");
        expect(unb64(k.clusters[0].cluster["certificate-authority-data"])).toBe(CA_PEM);
        expect(k.users).toHaveLength(1);
        expect(k.users[0].name).toBe("admin");
        expect(unb64(k.users[0].user["client-certificate-data"])).toBe(CLIENT_CERT_PEM);
        expect(unb64(k.users[0].user["client-key-data"])).toBe(CLIENT_KEY_PEM);
        expect(k.contexts).toEqual([{ name: "admin@ha-kubernetes", context: { cluster: "ha-kubernetes", user: "admin" } }]);
        expect(k["current-context"]).toBe("admin@ha-kubernetes");
        // base64 data stays on one line (no YAML folding).
        expect(
            text
                .split("\n")
                .filter((l) => l.includes("-data:"))
                .every((l) => /-data: [A-Za-z0-9+/=]+$/.test(l)),
        ).toBe(true);
    });

    it("honours contextName and namespace", () => {
        const k = YAML.parse(renderKubeconfig({ ...spec, userName: "system:kube-scheduler", server: "https://127.0.0.1:6443", contextName: "local", namespace: "kube-system" }));
        expect(k.contexts).toEqual([{ name: "local", context: { cluster: "ha-kubernetes", user: "system:kube-scheduler", namespace: "kube-system" } }]);
        expect(k["current-context"]).toBe("local");
    });

    it("quotes names a YAML 1.1 reader (Kubernetes) would take for booleans", () => {
        const text = renderKubeconfig({ ...spec, clusterName: "yes", userName: "on", namespace: "y" });
        const k = YAML.parse(text, { version: "1.1" });
        expect(k.clusters[0].name).toBe("yes");
        expect(k.users[0].name).toBe("on");
        expect(k.contexts[0].context).toEqual({ cluster: "yes", user: "on", namespace: "y" });
    });

    it("accepts a certificate chain and IPv6 or DNS servers", () => {
        expect(() => renderKubeconfig({ ...spec, clientCertPem: CLIENT_CERT_PEM + CA_PEM })).not.toThrow();
        expect(() => renderKubeconfig({ ...spec, server: "https://[fd00::10]:6443" })).not.toThrow();
        expect(() => renderKubeconfig({ ...spec, server: "https://api.cluster.example:443" })).not.toThrow();
    });

    it("rejects non-https servers and things that are not PEM", () => {
        expect(() => renderKubeconfig({ ...spec, server: "http://10.213.0.10:6443" })).toThrow(/https/);
        expect(() => renderKubeconfig({ ...spec, server: "10.213.0.10:6443" })).toThrow(/https|URL/);
        expect(() => renderKubeconfig({ ...spec, caCertPem: "not a pem" })).toThrow(/CA certificate is not PEM/);
        expect(() => renderKubeconfig({ ...spec, clientCertPem: CLIENT_KEY_PEM })).toThrow(/wrong type/);
        expect(() => renderKubeconfig({ ...spec, clientKeyPem: CLIENT_CERT_PEM })).toThrow(/wrong type/);
        expect(() => renderKubeconfig({ ...spec, clientKeyPem: CLIENT_KEY_PEM.replace("-----END EC PRIVATE KEY-----", "") })).toThrow(/not PEM/);
        expect(() => renderKubeconfig({ ...spec, userName: "" })).toThrow(/user name/);
        expect(() => renderKubeconfig({ ...spec, namespace: "Kube System" })).toThrow(/namespace/);
    });
});
