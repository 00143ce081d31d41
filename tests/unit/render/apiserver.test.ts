import {
    APISERVER_PROTECTED_FLAGS,
    apiserverExtraArgProblem,
    ApiserverSpec,
    apiserverFlags,
    renderApiserverEnv,
    renderApiserverUnit,
    STRONG_TLS_CIPHER_SUITES,
} from "../../../components/render/apiserver";
import { etcdClientUrl } from "../../../components/render/etcd";
import { envVar, envVars, expectEntries, flagMap, itMatchesSnapshotsPerMaster, MASTERS } from "./controlPlaneFixtures";
import { expectStaticUnit, unitValue } from "./nodeRenderHelpers";

function spec(i: number, extra: Partial<ApiserverSpec> = {}): ApiserverSpec {
    return {
        advertiseAddress: MASTERS[i].ip,
        etcdServers: MASTERS.map((m) => etcdClientUrl(m.ip)),
        serviceClusterIpRange: "10.96.0.0/12",
        ...extra,
    };
}

function flags(s: ApiserverSpec): Map<string, string> {
    return flagMap(envVar(renderApiserverEnv(s), "KUBE_APISERVER_ARGS"));
}

describe("renderApiserverUnit", () => {
    it("matches the snapshot", () => {
        const u = expectStaticUnit(renderApiserverUnit(), "/etc/kubernetes/kube-apiserver.env", "/usr/local/bin/kube-apiserver $KUBE_APISERVER_ARGS");
        expect(unitValue(u, "Service", "RestartSec")).toBeDefined();
        expect(unitValue(u, "Service", "LimitNOFILE")).toBeDefined();
        expect(unitValue(u, "Unit", "After")).toContain("network-online.target");
    });
});

describe("renderApiserverEnv", () => {
    itMatchesSnapshotsPerMaster("masters", renderApiserverEnv, spec, {
        master: 0,
        settings: {
            bindAddress: "10.213.0.11",
            securePort: 8443,
            serviceNodePortRange: "30000-31999",
            clusterDomain: "k8s.example",
            auditLogMaxAgeDays: 7,
            auditLogMaxBackups: 3,
            auditLogMaxSizeMb: 50,
            featureGates: { ZFeature: false, AFeature: true },
            extraArgs: { "enable-admission-plugins": "NodeRestriction,AlwaysPullImages", "event-ttl": "2h", "goaway-chance": "0.01" },
        },
    });

    it("holds one variable with whitespace-free flags", () => {
        const env = renderApiserverEnv(spec(0));
        expect(envVars(env).map(([k]) => k)).toEqual(["KUBE_APISERVER_ARGS"]);
        expect(() => flagMap(envVar(env, "KUBE_APISERVER_ARGS"))).not.toThrow();
    });

    it("sets the security-relevant flags", () => {
        const f = flags(spec(1));
        expect(f.get("enable-admission-plugins")!.split(",")).toContain("NodeRestriction");
        expectEntries(f, {
            "advertise-address": "10.213.0.12",
            "bind-address": "0.0.0.0",
            "secure-port": "6443",
            "authorization-mode": "Node,RBAC",
            "endpoint-reconciler-type": "lease",
            profiling: "false",
            "allow-privileged": "true",
            "tls-min-version": "VersionTLS12",
            // CIS 1.2.29: the kubelets' forward-secret AEAD suites, in the spelling kube-bench accepts
            "tls-cipher-suites":
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            // CIS 1.2.3
            "enable-admission-plugins": "NodeRestriction,DenyServiceExternalIPs",
            "client-ca-file": "/etc/kubernetes/pki/ca.crt",
            "tls-cert-file": "/etc/kubernetes/pki/apiserver.crt",
            "tls-private-key-file": "/etc/kubernetes/pki/apiserver.key",
            "etcd-servers": "https://10.213.0.11:2379,https://10.213.0.12:2379,https://10.213.0.13:2379",
            "etcd-cafile": "/etc/kubernetes/pki/etcd-ca.crt",
            "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
            "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
            "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
            "kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
            "kubelet-certificate-authority": "/etc/kubernetes/pki/ca.crt",
            "kubelet-preferred-address-types": "InternalIP,Hostname",
            "proxy-client-cert-file": "/etc/kubernetes/pki/front-proxy-client.crt",
            "proxy-client-key-file": "/etc/kubernetes/pki/front-proxy-client.key",
            "requestheader-client-ca-file": "/etc/kubernetes/pki/front-proxy-ca.crt",
            "requestheader-allowed-names": "front-proxy-client",
            "requestheader-username-headers": "X-Remote-User",
            "requestheader-group-headers": "X-Remote-Group",
            "requestheader-extra-headers-prefix": "X-Remote-Extra-",
            "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
            "service-account-key-file": "/etc/kubernetes/pki/sa.pub",
            "service-account-signing-key-file": "/etc/kubernetes/pki/sa.key",
            "service-cluster-ip-range": "10.96.0.0/12",
            "service-node-port-range": "30000-32767",
            "encryption-provider-config": "/etc/kubernetes/encryption-config.yaml",
            "encryption-provider-config-automatic-reload": "true",
            "audit-policy-file": "/etc/kubernetes/audit-policy.yaml",
            "audit-log-path": "/var/log/kubernetes/audit.log",
            "audit-log-maxage": "30",
            "audit-log-maxbackup": "10",
            "audit-log-maxsize": "100",
        });
    });

    it("has no insecure port, keeps anonymous auth at the default and no deprecated count", () => {
        const env = renderApiserverEnv(spec(0));
        expect(env).not.toMatch(/insecure/);
        const f = flags(spec(0));
        for (const gone of ["insecure-port", "insecure-bind-address", "port", "address", "anonymous-auth", "apiserver-count", "token-auth-file", "feature-gates"]) {
            expect(f.has(gone)).toBe(false);
        }
    });

    it("derives the issuer from the cluster domain and renders feature gates sorted", () => {
        const f = flags(spec(0, { clusterDomain: "corp.internal", featureGates: { B: true, A: false } }));
        expect(f.get("service-account-issuer")).toBe("https://kubernetes.default.svc.corp.internal");
        expect(f.get("feature-gates")).toBe("A=false,B=true");
        expect(flags(spec(0, { serviceAccountIssuer: "https://issuer.example/cluster" })).get("service-account-issuer")).toBe("https://issuer.example/cluster");
    });

    it("lets extraArgs replace or add the operational flags it allows", () => {
        const f = flags(
            spec(0, { extraArgs: { profiling: "false", "event-ttl": "4h", "enable-admission-plugins": "NodeRestriction,PodNodeSelector", "tls-min-version": "VersionTLS13" } }),
        );
        expect(f.get("profiling")).toBe("false");
        expect(f.get("event-ttl")).toBe("4h");
        expect(f.get("enable-admission-plugins")).toBe("NodeRestriction,PodNodeSelector");
        expect(f.get("tls-min-version")).toBe("VersionTLS13");
    });

    it("refuses extraArgs that weaken security or duplicate spec fields", () => {
        for (const name of Object.keys(APISERVER_PROTECTED_FLAGS)) {
            expect(() => apiserverFlags(spec(0, { extraArgs: { [name]: "x" } }))).toThrow(/cannot be overridden through extraArgs/);
        }
        expect(Object.keys(APISERVER_PROTECTED_FLAGS)).toEqual(expect.arrayContaining(["authorization-mode", "anonymous-auth", "encryption-provider-config", "insecure-port"]));
        expect(() => apiserverFlags(spec(0, { extraArgs: { "enable-admission-plugins": "AlwaysPullImages" } }))).toThrow(/NodeRestriction/);
        expect(() => apiserverFlags(spec(0, { extraArgs: { "tls-min-version": "VersionTLS10" } }))).toThrow(/tls-min-version/);
        expect(() => apiserverFlags(spec(0, { extraArgs: { "etcd-servers": "https://10.0.0.1:2379" } }))).toThrow(/spec field etcdServers/);
        expect(() => apiserverFlags(spec(0, { extraArgs: { "feature-gates": "A=true" } }))).toThrow(/spec field featureGates/);
        expect(() => apiserverFlags(spec(0, { extraArgs: { toString: "x" } }))).toThrow(/not one extraArgs may set/);
        expect(() => renderApiserverEnv(spec(0, { extraArgs: { "event-ttl": "2 h" } }))).toThrow(/duration/);
    });

    it("refuses, by an allowlist, the extraArgs that would weaken authentication, authorization, admission, etcd access or TLS", () => {
        const refused: Array<[string, string, RegExp]> = [
            ["etcd-servers-overrides", "/events#https://10.0.0.9:2379", /not one extraArgs may set/],
            ["service-account-lookup", "false", /not one extraArgs may set/],
            ["oidc-issuer-url", "https://idp.example", /not one extraArgs may set/],
            ["profiling", "true", /--profiling must be false/],
            ["enable-admission-plugins", "NodeRestriction,AlwaysAdmit", /may not enable AlwaysAdmit/],
            ["tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_SHA", /not TLS_RSA_WITH_RC4_128_SHA/],
            ["tls-cipher-suites", "TLS_RSA_WITH_AES_128_CBC_SHA", /forward-secret AEAD/],
        ];
        for (const [name, value, why] of refused) expect({ name, problem: apiserverExtraArgProblem(name, value) }).toEqual({ name, problem: expect.stringMatching(why) });
        for (const [name, value] of Object.entries({
            "event-ttl": "2h",
            "max-requests-inflight": "800",
            "tls-cipher-suites": STRONG_TLS_CIPHER_SUITES.slice(3, 5).join(","),
            v: "2",
            "watch-cache-sizes": "pods#1000",
        }))
            expect({ name, problem: apiserverExtraArgProblem(name, value) }).toEqual({ name, problem: undefined });
        // the ChaCha20 suites by either of their names
        expect(apiserverExtraArgProblem("tls-cipher-suites", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305")).toBeUndefined();
    });

    it("rejects bad specs", () => {
        expect(() => renderApiserverEnv(spec(0, { advertiseAddress: "master-1" }))).toThrow(/advertise address/);
        expect(() => renderApiserverEnv(spec(0, { bindAddress: "any" }))).toThrow(/bind address/);
        expect(() => renderApiserverEnv(spec(0, { securePort: 0 }))).toThrow(/port/);
        expect(() => renderApiserverEnv(spec(0, { etcdServers: [] }))).toThrow(/at least one etcd/);
        expect(() => renderApiserverEnv(spec(0, { etcdServers: ["http://10.213.0.11:2379"] }))).toThrow(/https/);
        expect(() => renderApiserverEnv(spec(0, { etcdServers: ["https://10.213.0.11:2379/x"] }))).toThrow(/https/);
        expect(() => renderApiserverEnv(spec(0, { serviceClusterIpRange: "10.96.0.0" }))).toThrow(/not a CIDR/);
        expect(() => renderApiserverEnv(spec(0, { serviceClusterIpRange: "10.96.0.0/12,10.97.0.0/16" }))).toThrow(/one IPv4 and one IPv6/);
        expect(() => renderApiserverEnv(spec(0, { serviceNodePortRange: "32767-30000" }))).toThrow(/node port range/);
        expect(() => renderApiserverEnv(spec(0, { clusterDomain: "Cluster Local" }))).toThrow(/cluster domain/);
        expect(() => renderApiserverEnv(spec(0, { serviceAccountIssuer: "http://issuer" }))).toThrow(/https/);
        expect(() => renderApiserverEnv(spec(0, { auditLogMaxAgeDays: -1 }))).toThrow(/non-negative/);
        expect(() => renderApiserverEnv(spec(0, { featureGates: { "bad gate": true } }))).toThrow(/feature gate/);
        expect(renderApiserverEnv(spec(0, { serviceClusterIpRange: "10.96.0.0/12,fd00:96::/108" }))).toContain("--service-cluster-ip-range=10.96.0.0/12,fd00:96::/108");
    });
});
