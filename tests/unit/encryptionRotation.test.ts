import { EncryptionKey, encryptionKeysOf, keyId, rotationPlan, sameKeys } from "../../lib/encryptionConfig";

const bytes = (n: number) => Buffer.alloc(32, n).toString("base64");
const legacy: EncryptionKey = { provider: "aescbc", name: "key1", secretBase64: bytes(1) };
const k1: EncryptionKey = { provider: "secretbox", name: "key1", secretBase64: bytes(2) };
const k2: EncryptionKey = { provider: "secretbox", name: "key2", secretBase64: bytes(3) };
const ids = (keys: readonly EncryptionKey[]) => keys.map(keyId);

describe("rotationPlan", () => {
    it("does nothing on a first install (no running master) or when every master has only the key", () => {
        expect(rotationPlan([], k2)).toEqual({ stages: [], dropped: [] });
        expect(rotationPlan([[k2], [k2], [k2]], k2)).toEqual({ stages: [], dropped: [] });
    });

    it("adds the new key for reading everywhere first, then writes with it, then drops the old one", () => {
        const plan = rotationPlan([[k1], [k1], [k1]], k2);
        expect(plan.stages.map(ids)).toEqual([
            ["secretbox:key1", "secretbox:key2"],
            ["secretbox:key2", "secretbox:key1"],
        ]);
        expect(ids(plan.dropped)).toEqual(["secretbox:key1"]);
    });

    it("moves from another provider with a key of the same name (the aescbc key of earlier releases)", () => {
        const plan = rotationPlan([[legacy], [legacy]], k1);
        expect(plan.stages.map(ids)).toEqual([
            ["aescbc:key1", "secretbox:key1"],
            ["secretbox:key1", "aescbc:key1"],
        ]);
    });

    it("after an interruption: skips the first stage when every master reads the new key, and keeps every old key readable", () => {
        // m1 and m2 got stage 2, m3 still had stage 1 when the run stopped
        expect(
            rotationPlan(
                [
                    [k2, k1],
                    [k2, k1],
                    [k1, k2],
                ],
                k2,
            ).stages.map(ids),
        ).toEqual([["secretbox:key2", "secretbox:key1"]]);
        // a master left behind with only the old key: stage 1 again; an earlier key on one master stays readable
        const plan = rotationPlan([[k2, k1], [k1], [k1, legacy]], k2);
        expect(plan.stages.map(ids)).toEqual([
            ["secretbox:key1", "aescbc:key1", "secretbox:key2"],
            ["secretbox:key2", "secretbox:key1", "aescbc:key1"],
        ]);
        expect(ids(plan.dropped)).toEqual(["secretbox:key1", "aescbc:key1"]);
    });

    it("refuses a new key that reuses a name with other material", () => {
        expect(() => rotationPlan([[k1]], { ...k1, secretBase64: bytes(9) })).toThrow(/secretbox:key1 with other key material: give the new key another name/);
    });

    it("sameKeys compares order and material", () => {
        expect(sameKeys([k1, k2], [k1, k2])).toBe(true);
        expect(sameKeys([k2, k1], [k1, k2])).toBe(false);
        expect(sameKeys([k1], [{ ...k1, secretBase64: bytes(7) }])).toBe(false);
    });
});

describe("encryptionKeysOf", () => {
    it("refuses configurations ha-kubernetes does not write", () => {
        expect(() => encryptionKeysOf({ resources: [] })).toThrow(/not one resource group/);
        expect(() => encryptionKeysOf({ resources: [{ resources: ["secrets"], providers: [{ kms: { name: "x" } }] }] })).toThrow(/kms/);
        expect(encryptionKeysOf({ resources: [{ resources: ["secrets"], providers: [{ identity: {} }] }] })).toEqual([]);
    });
});
