import { encryptionConfigBody, EncryptionKey } from "../../lib/encryptionConfig";
import { renderYamlDocument } from "./yamlDocument";

/** Encryption at rest of API resources in etcd. */
export interface EncryptionConfigSpec {
    /**
     * The keys, in the order the apiserver tries them: the first encrypts new writes (the final
     * config of a rotation has one). Secret: the rendered file holds them in clear, so it is
     * written with mode 0600 (over stdin, never on a command line).
     */
    readonly keys: readonly EncryptionKey[];
    /** Resources to encrypt, e.g. "secrets", "configmaps". Default ["secrets"]. */
    readonly resources?: readonly string[];
}

/**
 * EncryptionConfiguration (apiserver.config.k8s.io/v1): the keys (lib/encryptionConfig.ts), then
 * identity, so data written before encryption was enabled stays readable. Throws unless every key
 * is exactly 32 bytes of canonical base64. Contains key material. Pure.
 */
export function renderEncryptionConfig(spec: EncryptionConfigSpec): string {
    return renderYamlDocument("apiserver.config.k8s.io/v1", "EncryptionConfiguration", encryptionConfigBody(spec.keys, spec.resources ?? ["secrets"]));
}
