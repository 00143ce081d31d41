import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Sans } from "./topology";

/** A certificate authority: PEM certificate and (secret) PEM key. */
export interface CertificateAuthority {
    readonly certPem: pulumi.Input<string>;
    readonly keyPem: pulumi.Input<string>;
}

/** A leaf certificate issued by @pulumi/tls, kept in state; key is secret. */
export interface IssuedCert {
    readonly certPem: pulumi.Output<string>;
    readonly keyPem: pulumi.Output<string>;
    /** RFC 3339 end of validity. */
    readonly expiresAt: pulumi.Output<string>;
}

/** The renewal trigger of leaf keys while `certificates.renewal` is unset. */
export const RENEWAL_UNSET = "initial";

/** Validity settings, in hours. */
export interface Validity {
    readonly validityHours: number;
    readonly earlyRenewalHours: number;
    /** Any value; when it changes, every leaf key and certificate is re-issued now. Default unset. */
    readonly renewal?: string;
}

export type CertUsage = "server" | "client";

export interface CertSpec {
    readonly commonName: string;
    readonly organization?: string;
    readonly sans?: Sans;
    readonly usages: readonly CertUsage[];
}

const SECRET_KEY: pulumi.CustomResourceOptions = { additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] };

/** The X.509 key usages for a leaf certificate. Pure. */
export function allowedUses(usages: readonly CertUsage[]): string[] {
    const uses = ["digital_signature", "key_encipherment"];
    if (usages.includes("server")) uses.push("server_auth");
    if (usages.includes("client")) uses.push("client_auth");
    return uses;
}

/** A new ECDSA P-256 private key (secret). */
export function privateKey(name: string, opts: pulumi.CustomResourceOptions): tls.PrivateKey {
    return new tls.PrivateKey(name, { algorithm: "ECDSA", ecdsaCurve: "P256" }, pulumi.mergeOptions(opts, SECRET_KEY));
}

/** A self-signed CA: `${name}-key` and `${name}-cert`. */
export function createCa(
    name: string,
    commonName: string,
    validityHours: number,
    opts: pulumi.CustomResourceOptions,
): CertificateAuthority & { readonly expiresAt: pulumi.Output<string> } {
    const key = privateKey(`${name}-key`, opts);
    const cert = new tls.SelfSignedCert(
        `${name}-cert`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName, organization: "ha-kubernetes" },
            isCaCertificate: true,
            validityPeriodHours: validityHours,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
        },
        opts,
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), expiresAt: cert.validityEndTime };
}

/** A leaf certificate signed by `ca`: `${name}-key`, `${name}-csr`, `${name}-cert`. */
export function issueCert(name: string, ca: CertificateAuthority, spec: CertSpec, validity: Validity, opts: pulumi.CustomResourceOptions): IssuedCert {
    // A new key (and with it a new CSR and certificate) whenever the renewal value changes. Always
    // set: Pulumi replaces only on a change between two non-null triggers.
    const key = privateKey(`${name}-key`, pulumi.mergeOptions(opts, { replacementTrigger: validity.renewal ?? RENEWAL_UNSET }));
    const csr = new tls.CertRequest(
        `${name}-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: spec.commonName, organization: spec.organization },
            dnsNames: spec.sans?.dnsNames,
            ipAddresses: spec.sans?.ipAddresses,
        },
        opts,
    );
    const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caCertPem: ca.certPem,
            caPrivateKeyPem: ca.keyPem,
            validityPeriodHours: validity.validityHours,
            earlyRenewalHours: validity.earlyRenewalHours,
            allowedUses: allowedUses(spec.usages),
        },
        opts,
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), expiresAt: cert.validityEndTime };
}
