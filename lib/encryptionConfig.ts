// Encryption at rest of API resources (EncryptionConfiguration, apiserver.config.k8s.io/v1) as
// data: the keys an apiserver reads and writes with, the object a file holds, and the stages of a
// key rotation. Shared by the control plane's renderer and the rotation provider; no imports, so
// a provider can capture it.

/** The providers ha-kubernetes writes with (secretbox: XSalsa20-Poly1305; aesgcm needs a rotation at least every 200k writes). */
export const ENCRYPTION_PROVIDERS = ["secretbox", "aesgcm", "aescbc"] as const;
export type EncryptionProvider = (typeof ENCRYPTION_PROVIDERS)[number];

/** One key of one provider. Contains key material. */
export interface EncryptionKey {
    readonly provider: EncryptionProvider;
    /** `[a-z0-9-]`, unique per provider; the apiserver stores it in every value it encrypts. */
    readonly name: string;
    /** 32 random bytes, canonical standard base64. */
    readonly secretBase64: string;
}

/** `<provider>:<name>`: how a key is told apart (the prefix `k8s:enc:<provider>:v1:<name>:` of what it encrypted). */
export function keyId(k: Pick<EncryptionKey, "provider" | "name">): string {
    return `${k.provider}:${k.name}`;
}

/** What is wrong with a key name, or undefined. Pure. */
export function keyNameProblem(name: unknown): string | undefined {
    if (typeof name !== "string" || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
        return `bad encryption key name ${JSON.stringify(name)}: lower-case letters, digits and '-', at most 63`;
    return undefined;
}

/** What is wrong with a resource name (explicit names only: each is rewritten on a rotation), or undefined. Pure. */
export function resourceProblem(r: unknown): string | undefined {
    if (typeof r !== "string" || !/^[a-z0-9]+(\.[a-z0-9-]+(\.[a-z0-9-]+)*)?$/.test(r))
        return `bad encryption resource ${JSON.stringify(r)}: a resource name such as "secrets" or "widgets.example.com" (no wildcards)`;
    return undefined;
}

function checkKey(k: EncryptionKey): void {
    if (!(ENCRYPTION_PROVIDERS as readonly string[]).includes(k.provider)) throw new Error(`bad encryption provider: ${k.provider}`);
    const nameProblem = keyNameProblem(k.name);
    if (nameProblem) throw new Error(nameProblem);
    const canonical = /^[A-Za-z0-9+/]*={0,2}$/.test(k.secretBase64);
    const raw = Buffer.from(k.secretBase64, "base64");
    if (!canonical || raw.toString("base64") !== k.secretBase64) throw new Error(`encryption key ${keyId(k)} is not canonical base64`);
    if (raw.length !== 32) throw new Error(`encryption key ${keyId(k)} must be 32 bytes (got ${raw.length})`);
}

/**
 * The body of an EncryptionConfiguration: for `resources`, the keys in order (the first encrypts
 * new writes, the others only decrypt; consecutive keys of one provider share its entry), then
 * identity, so data written before encryption was enabled stays readable. Throws on a bad or
 * repeated key or resource. Contains key material. Pure.
 */
export function encryptionConfigBody(keys: readonly EncryptionKey[], resources: readonly string[]): { resources: unknown[] } {
    if (keys.length === 0) throw new Error("encryption config needs at least one key");
    keys.forEach(checkKey);
    const ids = keys.map(keyId);
    if (new Set(ids).size !== ids.length) throw new Error(`duplicate encryption keys: ${ids.join(",")}`);
    if (resources.length === 0) throw new Error("encryption config needs at least one resource");
    for (const r of resources) {
        const problem = resourceProblem(r);
        if (problem) throw new Error(problem);
    }
    if (new Set(resources).size !== resources.length) throw new Error(`duplicate encryption resources: ${resources.join(",")}`);
    const providers: Array<Record<string, { keys: Array<{ name: string; secret: string }> }>> = [];
    let last: string | undefined;
    for (const k of keys) {
        if (k.provider !== last) providers.push({ [k.provider]: { keys: [] } });
        providers[providers.length - 1][k.provider].keys.push({ name: k.name, secret: k.secretBase64 });
        last = k.provider;
    }
    return { resources: [{ resources: [...resources], providers: [...providers, { identity: {} }] }] };
}

/**
 * The keys of a parsed EncryptionConfiguration, in the order the apiserver tries them (identity
 * left out). Throws on anything ha-kubernetes does not write (KMS, several resource groups). Pure.
 */
export function encryptionKeysOf(config: unknown): EncryptionKey[] {
    const groups = (config as { resources?: unknown })?.resources;
    if (!Array.isArray(groups) || groups.length !== 1) throw new Error("the encryption config has not one resource group: it was not written by ha-kubernetes");
    const providers = (groups[0] as { providers?: unknown }).providers;
    if (!Array.isArray(providers)) throw new Error("the encryption config lists no providers");
    const keys: EncryptionKey[] = [];
    for (const p of providers) {
        const [type, ...more] = Object.keys(p ?? {});
        if (more.length > 0) throw new Error(`an encryption provider entry names ${[type, ...more].join(" and ")}`);
        if (type === "identity") continue;
        if (!(ENCRYPTION_PROVIDERS as readonly string[]).includes(type))
            throw new Error(`the encryption config uses provider ${JSON.stringify(type)}, which ha-kubernetes does not write`);
        for (const k of (p[type]?.keys ?? []) as Array<{ name?: unknown; secret?: unknown }>)
            keys.push({ provider: type as EncryptionProvider, name: String(k.name), secretBase64: String(k.secret) });
    }
    return keys;
}

/** How a running control plane gets from the keys its masters have to `[desired]`. */
export interface RotationPlan {
    /** Key lists every running master is given in turn (each rolled one master at a time); the last one's first key is `desired`. */
    readonly stages: ReadonlyArray<readonly EncryptionKey[]>;
    /** The keys that go: every stored object is rewritten with `desired` before the final config (`[desired]`) drops them. */
    readonly dropped: readonly EncryptionKey[];
}

/**
 * The stages of a key rotation, from the key lists the running masters have (in master order):
 * 1. `[current, …older, desired]`: every master can read the new key before any writes with it;
 * 2. `[desired, …older]`: every master writes with it and still reads the old ones;
 * then every object is rewritten (by the caller) and the final `[desired]` drops the old keys.
 * A master that already has the new key readable skips stage 1 (a rotation interrupted after it);
 * nothing to do when no master holds a key other than `desired` (also on a first install, with no
 * running master). Throws when a master has a key with the new key's name but other material.
 * Pure.
 */
export function rotationPlan(running: ReadonlyArray<readonly EncryptionKey[]>, desired: EncryptionKey): RotationPlan {
    const id = keyId(desired);
    for (const keys of running)
        for (const k of keys)
            if (keyId(k) === id && k.secretBase64 !== desired.secretBase64)
                throw new Error(`a master already has an encryption key ${id} with other key material: give the new key another name`);
    const older: EncryptionKey[] = [];
    for (const keys of running) for (const k of keys) if (keyId(k) !== id && !older.some((o) => keyId(o) === keyId(k))) older.push(k);
    if (older.length === 0) return { stages: [], dropped: [] };
    const everyoneReads = running.every((keys) => keys.some((k) => keyId(k) === id));
    const readsFirst = [...older, desired];
    const writesNew = [desired, ...older];
    return { stages: everyoneReads ? [writesNew] : [readsFirst, writesNew], dropped: older };
}

/** True when a master's keys are exactly `stage`, in order (its config need not be rewritten). Pure. */
export function sameKeys(a: readonly EncryptionKey[], b: readonly EncryptionKey[]): boolean {
    return a.length === b.length && a.every((k, i) => keyId(k) === keyId(b[i]) && k.secretBase64 === b[i].secretBase64);
}

/** Encryption at rest as users configure it (`controlPlane.encryption`). */
export interface EncryptionSettings {
    /** Provider new writes use. Default "secretbox". */
    readonly provider?: EncryptionProvider;
    /**
     * Name of the current key, e.g. "key1" or a date: a new name makes a new random key and
     * rotates to it (added on every master, every object rewritten, the old key dropped). Default "key1".
     */
    readonly key?: string;
    /** Resources encrypted (explicit names). Default ["secrets"]. */
    readonly resources?: readonly string[];
}

/** The same, every default applied. */
export interface EncryptionPlan {
    readonly provider: EncryptionProvider;
    readonly key: string;
    readonly resources: readonly string[];
}

export const ENCRYPTION_DEFAULTS: EncryptionPlan = { provider: "secretbox", key: "key1", resources: ["secrets"] };

/** Every problem of the settings, as [field, reason]. Pure. */
export function encryptionProblems(s: EncryptionSettings): Array<[string, string]> {
    const problems: Array<[string, string]> = [];
    if (s.provider !== undefined && !(ENCRYPTION_PROVIDERS as readonly string[]).includes(s.provider))
        problems.push(["provider", `${JSON.stringify(s.provider)} is not one of ${ENCRYPTION_PROVIDERS.join(", ")}`]);
    if (s.key !== undefined) {
        const p = keyNameProblem(s.key);
        if (p) problems.push(["key", p]);
    }
    if (s.resources !== undefined) {
        if (!Array.isArray(s.resources) || s.resources.length === 0) problems.push(["resources", "resources must be a non-empty list of resource names"]);
        else {
            for (const r of s.resources) {
                const p = resourceProblem(r);
                if (p) problems.push(["resources", p]);
            }
            if (new Set(s.resources).size !== s.resources.length) problems.push(["resources", `duplicate resources: ${s.resources.join(",")}`]);
        }
    }
    return problems;
}

/** The settings with every default applied. Pure. */
export function planEncryption(s: EncryptionSettings = {}): EncryptionPlan {
    return { provider: s.provider ?? ENCRYPTION_DEFAULTS.provider, key: s.key ?? ENCRYPTION_DEFAULTS.key, resources: [...(s.resources ?? ENCRYPTION_DEFAULTS.resources)] };
}
