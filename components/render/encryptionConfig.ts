import { renderYamlDocument } from "./yamlDocument";

/** Encryption at rest of API resources in etcd. */
export interface EncryptionConfigSpec {
    /** Name of the key (`[a-z0-9-]`); a new name marks a new key. */
    readonly keyName: string;
    /**
     * 32 random bytes, standard base64. Secret: the rendered file holds it in clear, so it must
     * be written with mode 0600 (and passed over stdin, not on a command line).
     */
    readonly secretBase64: string;
    /**
     * Provider for new writes. Default "aescbc". ("aesgcm" needs a key rotation at least every
     * 200k writes; "secretbox" is XSalsa20-Poly1305.)
     */
    readonly provider?: "aescbc" | "aesgcm" | "secretbox";
    /** Resources to encrypt, e.g. "secrets", "configmaps", "*.apps". Default ["secrets"]. */
    readonly resources?: readonly string[];
}

const PROVIDERS = ["aescbc", "aesgcm", "secretbox"];

/**
 * EncryptionConfiguration (apiserver.config.k8s.io/v1): the chosen provider first (it encrypts
 * new writes), then identity, so data written before encryption was enabled stays readable.
 * Throws unless the key is exactly 32 bytes of canonical base64. Contains key material. Pure.
 */
export function renderEncryptionConfig(spec: EncryptionConfigSpec): string {
    const provider = spec.provider ?? "aescbc";
    if (!PROVIDERS.includes(provider)) throw new Error(`bad encryption provider: ${provider}`);
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(spec.keyName)) throw new Error(`bad encryption key name: ${JSON.stringify(spec.keyName)}`);
    const canonical = /^[A-Za-z0-9+/]*={0,2}$/.test(spec.secretBase64);
    const raw = Buffer.from(spec.secretBase64, "base64");
    if (!canonical || raw.toString("base64") !== spec.secretBase64) throw new Error("encryption key is not canonical base64");
    if (raw.length !== 32) throw new Error(`encryption key must be 32 bytes (got ${raw.length})`);
    const resources = [...(spec.resources ?? ["secrets"])];
    if (resources.length === 0) throw new Error("encryption config needs at least one resource");
    for (const r of resources) {
        if (!/^(\*\.\*|\*\.[a-z0-9.-]+|[a-z0-9]+(\.[a-z0-9.-]+)?)$/.test(r)) throw new Error(`bad encryption resource: ${JSON.stringify(r)}`);
    }
    if (new Set(resources).size !== resources.length) throw new Error(`duplicate encryption resources: ${resources.join(",")}`);
    return renderYamlDocument("apiserver.config.k8s.io/v1", "EncryptionConfiguration", {
        resources: [
            {
                resources,
                providers: [{ [provider]: { keys: [{ name: spec.keyName, secret: spec.secretBase64 }] } }, { identity: {} }],
            },
        ],
    });
}
