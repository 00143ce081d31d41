import YAML from "yaml";
import { renderEncryptionConfig } from "../../../components/render/encryptionConfig";

// A fixed test key (not used anywhere else): bytes 0..31.
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString("base64");

describe("renderEncryptionConfig", () => {
    it("matches the snapshot", () => {
        expect(renderEncryptionConfig({ keyName: "key1", secretBase64: KEY })).toMatchSnapshot();
    });

    it("puts the provider first and identity last", () => {
        const text = renderEncryptionConfig({ keyName: "key1", secretBase64: KEY });
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const c = YAML.parse(text);
        expect(c.apiVersion).toBe("apiserver.config.k8s.io/v1");
        expect(c.kind).toBe("EncryptionConfiguration");
        expect(c.resources).toEqual([
            {
                resources: ["secrets"],
                providers: [{ aescbc: { keys: [{ name: "key1", secret: KEY }] } }, { identity: {} }],
            },
        ]);
        expect(Buffer.from(c.resources[0].providers[0].aescbc.keys[0].secret, "base64")).toHaveLength(32);
    });

    it("keeps a key named like a YAML 1.1 boolean a string", () => {
        const c = YAML.parse(renderEncryptionConfig({ keyName: "on", secretBase64: KEY }), { version: "1.1" });
        expect(c.resources[0].providers[0].aescbc.keys[0].name).toBe("on");
    });

    it("takes another provider and resources", () => {
        for (const provider of ["aesgcm", "secretbox"] as const) {
            const c = YAML.parse(renderEncryptionConfig({ keyName: "k-2", secretBase64: KEY, provider, resources: ["secrets", "configmaps"] }));
            expect(c.resources[0].resources).toEqual(["secrets", "configmaps"]);
            expect(Object.keys(c.resources[0].providers[0])).toEqual([provider]);
            expect(c.resources[0].providers[1]).toEqual({ identity: {} });
        }
    });

    it("rejects keys that are not 32 bytes of base64", () => {
        const key16 = Buffer.alloc(16, 7).toString("base64");
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: key16 })).toThrow(/32 bytes \(got 16\)/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: Buffer.alloc(33, 1).toString("base64") })).toThrow(/32 bytes/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: "not base64 at all!" })).toThrow(/base64/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: KEY.replace(/=$/, "") })).toThrow(/base64/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: "" })).toThrow();
    });

    it("rejects bad names, providers and resources", () => {
        expect(() => renderEncryptionConfig({ keyName: "Key 1", secretBase64: KEY })).toThrow(/key name/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: KEY, provider: "identity" as never })).toThrow(/provider/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: KEY, resources: [] })).toThrow(/at least one/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: KEY, resources: ["Secrets"] })).toThrow(/resource/);
        expect(() => renderEncryptionConfig({ keyName: "key1", secretBase64: KEY, resources: ["secrets", "secrets"] })).toThrow(/duplicate/);
    });
});
