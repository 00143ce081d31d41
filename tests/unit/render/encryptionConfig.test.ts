import YAML from "yaml";
import { renderEncryptionConfig } from "../../../components/render/encryptionConfig";
import { EncryptionKey, encryptionKeysOf } from "../../../lib/encryptionConfig";

// Fixed test keys (not used anywhere else): bytes 0..31 and 32..63.
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString("base64");
const KEY2 = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i)).toString("base64");
const key1: EncryptionKey = { provider: "secretbox", name: "key1", secretBase64: KEY };

describe("renderEncryptionConfig", () => {
    it("matches the snapshot: one key, and the stages of a rotation", () => {
        expect(renderEncryptionConfig({ keys: [key1] })).toMatchSnapshot();
        expect(renderEncryptionConfig({ keys: [{ provider: "aescbc", name: "key1", secretBase64: KEY2 }, key1] })).toMatchSnapshot();
    });

    it("puts the first key first and identity last", () => {
        const text = renderEncryptionConfig({ keys: [key1] });
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const c = YAML.parse(text);
        expect(c.apiVersion).toBe("apiserver.config.k8s.io/v1");
        expect(c.kind).toBe("EncryptionConfiguration");
        expect(c.resources).toEqual([{ resources: ["secrets"], providers: [{ secretbox: { keys: [{ name: "key1", secret: KEY }] } }, { identity: {} }] }]);
    });

    it("gives consecutive keys of one provider one entry, in order, and reads back what it wrote", () => {
        const keys: EncryptionKey[] = [{ provider: "secretbox", name: "key2", secretBase64: KEY2 }, key1, { provider: "aescbc", name: "key1", secretBase64: KEY2 }];
        const c = YAML.parse(renderEncryptionConfig({ keys, resources: ["secrets", "configmaps"] }));
        expect(c.resources[0].resources).toEqual(["secrets", "configmaps"]);
        expect(c.resources[0].providers.map((p: object) => Object.keys(p)[0])).toEqual(["secretbox", "aescbc", "identity"]);
        expect(c.resources[0].providers[0].secretbox.keys.map((k: { name: string }) => k.name)).toEqual(["key2", "key1"]);
        expect(encryptionKeysOf(c)).toEqual(keys);
    });

    it("keeps a key named like a YAML 1.1 boolean a string", () => {
        const c = YAML.parse(renderEncryptionConfig({ keys: [{ ...key1, name: "on" }] }), { version: "1.1" });
        expect(c.resources[0].providers[0].secretbox.keys[0].name).toBe("on");
    });

    it("rejects keys that are not 32 bytes of base64", () => {
        const bad = (secretBase64: string) => () => renderEncryptionConfig({ keys: [{ ...key1, secretBase64 }] });
        expect(bad(Buffer.alloc(16, 7).toString("base64"))).toThrow(/32 bytes \(got 16\)/);
        expect(bad(Buffer.alloc(33, 1).toString("base64"))).toThrow(/32 bytes/);
        expect(bad("not base64 at all!")).toThrow(/base64/);
        expect(bad(KEY.replace(/=$/, ""))).toThrow(/base64/);
        expect(bad("")).toThrow();
    });

    it("rejects bad names, providers, repeated keys and bad resources", () => {
        expect(() => renderEncryptionConfig({ keys: [{ ...key1, name: "Key 1" }] })).toThrow(/key name/);
        expect(() => renderEncryptionConfig({ keys: [{ ...key1, provider: "identity" as never }] })).toThrow(/provider/);
        expect(() => renderEncryptionConfig({ keys: [] })).toThrow(/at least one key/);
        expect(() => renderEncryptionConfig({ keys: [key1, { ...key1, secretBase64: KEY2 }] })).toThrow(/duplicate encryption keys/);
        expect(() => renderEncryptionConfig({ keys: [key1], resources: [] })).toThrow(/at least one resource/);
        expect(() => renderEncryptionConfig({ keys: [key1], resources: ["Secrets"] })).toThrow(/resource/);
        expect(() => renderEncryptionConfig({ keys: [key1], resources: ["*.apps"] })).toThrow(/no wildcards/);
        expect(() => renderEncryptionConfig({ keys: [key1], resources: ["secrets", "secrets"] })).toThrow(/duplicate/);
    });
});
