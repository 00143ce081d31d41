import YAML from "yaml";
import { hashHeader } from "./header";

export interface EncryptionConfigSpec {
    readonly keyName: string;
    /** 32 random bytes, base64. Secret: the rendered file must be written 0600. */
    readonly secretBase64: string;
    /** Default aescbc. */
    readonly provider?: "aescbc" | "aesgcm" | "secretbox";
    /** Default ["secrets"]. */
    readonly resources?: readonly string[];
}

/** EncryptionConfiguration: the chosen provider first (new writes), identity to read old data. Pure. */
export function renderEncryptionConfig(spec: EncryptionConfigSpec): string {
    const raw = Buffer.from(spec.secretBase64, "base64");
    if (raw.length !== 32 || raw.toString("base64") !== spec.secretBase64) throw new Error(`encryption key must be 32 bytes in base64 (got ${raw.length} bytes)`);
    if (!/^[a-z0-9-]+$/.test(spec.keyName)) throw new Error(`bad encryption key name ${spec.keyName}`);
    const provider = spec.provider ?? "aescbc";
    return hashHeader() + YAML.stringify({
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "EncryptionConfiguration",
        resources: [{
            resources: [...(spec.resources ?? ["secrets"])],
            providers: [{ [provider]: { keys: [{ name: spec.keyName, secret: spec.secretBase64 }] } }, { identity: {} }],
        }],
    });
}
