import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { CertificateAuthority, createCa } from "./pki";
import { adopt } from "./outputs";

export interface ClusterPkiArgs {
    /** Cluster name, used in CA common names. */
    readonly clusterName: string;
    /** CA validity in hours. Default 87600 (10 years). */
    readonly caValidityHours?: number;
    /**
     * The encryption-at-rest key's provider and name (the control plane's plan): each pair has its
     * own random key, so a new name is a new key. Default secretbox, "key1".
     */
    readonly encryptionKey?: { readonly provider: string; readonly key: string };
}

/** The cluster's trust roots and shared secrets, all kept in Pulumi state as secrets. */
export interface ClusterPkiOutputs {
    /** Signs apiserver, kubelet and client certificates. */
    readonly clusterCa: CertificateAuthority;
    /** Signs etcd server, peer and client certificates. */
    readonly etcdCa: CertificateAuthority;
    /** Signs the apiserver's front-proxy (aggregation) client certificate. */
    readonly frontProxyCa: CertificateAuthority;
    /** Service-account token signing key pair (PEM). */
    readonly serviceAccountKeyPem: pulumi.Output<string>;
    readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
    /** 32 random bytes, base64, for secrets encryption at rest (the key `encryptionKey` names). */
    readonly encryptionKeyBase64: pulumi.Output<string>;
    /** Expiry (RFC 3339) of each CA. */
    readonly caExpiry: pulumi.Output<Record<string, string>>;
}

/** What a control plane is given of the PKI: the CAs and shared secrets, as Inputs (library users may pass their own). */
export type ClusterTrust = {
    readonly [
        K in "clusterCa" | "etcdCa" | "frontProxyCa" | "serviceAccountKeyPem" | "serviceAccountPublicKeyPem" | "encryptionKeyBase64"
    ]: ClusterPkiOutputs[K] extends pulumi.Output<infer U> ? pulumi.Input<U> : ClusterPkiOutputs[K];
};

/** The ClusterTrust of a ClusterPki's outputs. */
export function clusterTrust(pki: ClusterPkiOutputs): ClusterTrust {
    const { clusterCa, etcdCa, frontProxyCa, serviceAccountKeyPem, serviceAccountPublicKeyPem, encryptionKeyBase64 } = pki;
    return { clusterCa, etcdCa, frontProxyCa, serviceAccountKeyPem, serviceAccountPublicKeyPem, encryptionKeyBase64 };
}

function createClusterPki(name: string, args: ClusterPkiArgs, opts: pulumi.CustomResourceOptions): ClusterPkiOutputs {
    const validity = args.caValidityHours ?? 87600;
    const clusterCa = createCa(`${name}-cluster-ca`, `${args.clusterName}-ca`, validity, opts);
    const etcdCa = createCa(`${name}-etcd-ca`, `${args.clusterName}-etcd-ca`, validity, opts);
    const frontProxyCa = createCa(`${name}-front-proxy-ca`, `${args.clusterName}-front-proxy-ca`, validity, opts);
    const saKey = new tls.PrivateKey(
        `${name}-service-account-key`,
        { algorithm: "RSA", rsaBits: 2048 },
        pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] }),
    );
    const { provider, key } = args.encryptionKey ?? { provider: "secretbox", key: "key1" };
    const encryptionKey = new random.RandomBytes(`${name}-encryption-key-${provider}-${key}`, { length: 32 }, opts);
    return {
        clusterCa,
        etcdCa,
        frontProxyCa,
        serviceAccountKeyPem: pulumi.secret(saKey.privateKeyPem),
        serviceAccountPublicKeyPem: saKey.publicKeyPem,
        encryptionKeyBase64: pulumi.secret(encryptionKey.base64),
        caExpiry: pulumi
            .all([clusterCa.expiresAt, etcdCa.expiresAt, frontProxyCa.expiresAt])
            .apply(([cluster, etcd, frontProxy]): Record<string, string> => ({ cluster, etcd, frontProxy })),
    };
}

/** Certificate authorities, service-account key and encryption key of one cluster. */
export class ClusterPki extends pulumi.ComponentResource implements ClusterPkiOutputs {
    declare public readonly clusterCa: CertificateAuthority;
    declare public readonly etcdCa: CertificateAuthority;
    declare public readonly frontProxyCa: CertificateAuthority;
    declare public readonly serviceAccountKeyPem: pulumi.Output<string>;
    declare public readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
    declare public readonly encryptionKeyBase64: pulumi.Output<string>;
    declare public readonly caExpiry: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ClusterPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ha-kubernetes:components:ClusterPki", name, {}, opts);
        // Every key and CA waits for what the component waits for (the upgrade policy's check).
        this.registerOutputs(adopt(this, createClusterPki(name, args, { parent: this, dependsOn: opts?.dependsOn })));
    }
}
