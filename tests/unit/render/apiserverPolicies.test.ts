import YAML from "yaml";
import { POD_SECURITY_DEFAULTS, podSecurityProblems, renderAdmissionConfig } from "../../../components/render/admissionConfig";
import { ANONYMOUS_PATHS, renderAuthenticationConfig } from "../../../components/render/authenticationConfig";

describe("renderAuthenticationConfig", () => {
    it("lets anonymous requests reach only the health endpoints", () => {
        const out = renderAuthenticationConfig();
        expect(out).toMatchSnapshot();
        const doc = YAML.parse(out);
        expect(doc).toEqual({
            apiVersion: "apiserver.config.k8s.io/v1beta1",
            kind: "AuthenticationConfiguration",
            anonymous: { enabled: true, conditions: [{ path: "/healthz" }, { path: "/livez" }, { path: "/readyz" }] },
        });
        expect(ANONYMOUS_PATHS).not.toContain("/version");
    });
});

describe("renderAdmissionConfig", () => {
    it("defaults: baseline enforced, restricted warned and audited, at the latest standards, kube-system exempt", () => {
        const out = renderAdmissionConfig();
        expect(out).toMatchSnapshot();
        const doc = YAML.parse(out);
        expect(doc.kind).toBe("AdmissionConfiguration");
        const psa = doc.plugins[0];
        expect(psa.name).toBe("PodSecurity");
        expect(psa.configuration.defaults).toEqual({
            enforce: "baseline",
            "enforce-version": "latest",
            audit: "restricted",
            "audit-version": "latest",
            warn: "restricted",
            "warn-version": "latest",
        });
        expect(psa.configuration.exemptions).toEqual({ usernames: [], runtimeClasses: [], namespaces: [...POD_SECURITY_DEFAULTS.exemptNamespaces] });
    });

    it("takes the levels and exemptions given, and refuses unknown levels and bad namespace names", () => {
        const doc = YAML.parse(renderAdmissionConfig({ enforce: "restricted", warn: "restricted", audit: "privileged", exemptNamespaces: ["monitoring", "kube-system"] }));
        expect(doc.plugins[0].configuration.defaults.enforce).toBe("restricted");
        expect(doc.plugins[0].configuration.defaults.audit).toBe("privileged");
        expect(doc.plugins[0].configuration.exemptions.namespaces).toEqual(["kube-system", "monitoring"]);
        expect(podSecurityProblems({ enforce: "strict" as never, exemptNamespaces: ["Bad_NS"] })).toEqual([
            ["enforce", '"strict" is not a Pod Security level (privileged, baseline, restricted)'],
            ["exemptNamespaces", '"Bad_NS" is not a namespace name'],
        ]);
        expect(() => renderAdmissionConfig({ warn: "none" as never })).toThrow(/bad Pod Security settings: warn/);
    });
});
