/**
 * The outputs Pulumi's mock engine gives each resource type this product creates (what the real
 * provider would compute), shared by the unit tests' mocks (tests/unit/mocks.ts) and the package
 * check's program run (tests/package/preview.js, which loads the compiled bin/tests/mockOutputs.js).
 */
import { allocatePodCidrs } from "../lib/podCidrs";

/** The made-up values a caller chooses: its PEM bodies and its secrets. */
export interface MockValues {
    /** A PEM block of `kind` (PRIVATE KEY, PUBLIC KEY, CERTIFICATE, CERTIFICATE REQUEST) for resource `name`. */
    pem(kind: string, name: string): string;
    /** tls certificates' validityEndTime (RFC 3339). */
    readonly validityEndTime: string;
    /** random.RandomBytes' base64. */
    readonly randomBytes: string;
    /** random.RandomPassword's result. */
    readonly password: string;
}

/** The outputs of a resource of `type` named `name` with these inputs; {} for a type with none. */
export function mockOutputs(type: string, name: string, inputs: Record<string, any>, v: MockValues): Record<string, unknown> {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: v.pem("PRIVATE KEY", name), publicKeyPem: v.pem("PUBLIC KEY", name) };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: v.pem("CERTIFICATE", name), validityEndTime: v.validityEndTime };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: v.pem("CERTIFICATE REQUEST", name) };
        case "random:index/randomBytes:RandomBytes":
            return { base64: v.randomBytes };
        case "random:index/randomPassword:RandomPassword":
            return { result: v.password };
        case "pulumi-nodejs:dynamic/ha-kubernetes:PodCidrAllocation":
            // what the provider's create computes (pure)
            return { allocations: Object.fromEntries(allocatePodCidrs(inputs.nodes, inputs.podCidr, inputs.maskSize)) };
        case "pulumi-nodejs:dynamic/ha-kubernetes:EtcdJoin":
            // a first bootstrap: every declared member, state new
            return { state: "new", initialCluster: inputs.members };
        case "pulumi-nodejs:dynamic/ha-kubernetes:EtcdLeave":
            return { removed: [] };
        case "pulumi-nodejs:dynamic/ha-kubernetes:NodeMembership":
            return { ready: true };
        case "command:remote:Command":
        case "command:local:Command":
            return { stdout: "", stderr: "" };
        default:
            return {};
    }
}
