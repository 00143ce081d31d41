import YAML from "yaml";
import { identityOf, objectKey } from "./kubernetesObjects";

/** A Kubernetes object as a plain value. */
export type KubeObject = Record<string, unknown>;

/**
 * Parses one manifest file's text: every YAML document is an object (`kind: List` documents are
 * expanded into their items; empty documents are skipped). Throws naming the document when the
 * YAML is bad or a document is not an object with apiVersion, kind and metadata.name. Pure.
 */
export function parseManifest(text: string, source: string): KubeObject[] {
    const out: KubeObject[] = [];
    YAML.parseAllDocuments(text).forEach((doc, i) => {
        if (doc.errors.length) throw new Error(`${source}: document ${i + 1}: ${doc.errors[0].message.split("\n")[0]}`);
        const value = doc.toJS() as unknown;
        if (value === null || value === undefined) return;
        const items = (value as KubeObject).kind === "List" && Array.isArray((value as KubeObject).items) ? (value as { items: unknown[] }).items : [value];
        for (const item of items) {
            if (!isKubeObject(item)) throw new Error(`${source}: document ${i + 1} is not a Kubernetes object with apiVersion, kind and metadata.name`);
            out.push(item);
        }
    });
    return out;
}

/** Is `o` a Kubernetes object: apiVersion, kind and a non-empty metadata.name? Pure. */
export function isKubeObject(o: unknown): o is KubeObject {
    if (!o || typeof o !== "object" || Array.isArray(o)) return false;
    const k = o as KubeObject;
    const meta = k.metadata as { name?: unknown } | undefined;
    return typeof k.apiVersion === "string" && typeof k.kind === "string" && typeof meta?.name === "string" && meta.name.length > 0;
}

type Problem = { propertyPath: string; reason: string };

/**
 * An object declared twice (same kind, namespace and name) among `objects`, each given with the
 * property path and the place (file, list entry) it came from: a problem at the second. Pure.
 */
export function duplicateObjectProblems(objects: ReadonlyArray<{ path: string; where: string; object: KubeObject }>): Problem[] {
    const problems: Problem[] = [];
    const seen = new Map<string, string>();
    for (const { path, where, object: o } of objects) {
        const key = objectKey(identityOf(o));
        if (seen.has(key)) problems.push({ propertyPath: path, reason: `${o.kind} ${(o.metadata as { name: string }).name} is declared twice (also in ${seen.get(key)})` });
        else seen.set(key, where);
    }
    return problems;
}

/** Every problem with the manifest files (missing, unreadable YAML, bad objects, an object twice). Pure. */
export function manifestProblems(files: ReadonlyArray<{ path: string; file: string; text: string | undefined }>): Problem[] {
    const problems: Problem[] = [];
    const objects: Array<{ path: string; where: string; object: KubeObject }> = [];
    for (const f of files) {
        if (f.text === undefined) {
            problems.push({ propertyPath: f.path, reason: `manifest file ${JSON.stringify(f.file)} does not exist` });
            continue;
        }
        try {
            objects.push(...parseManifest(f.text, f.file).map((object) => ({ path: f.path, where: f.file, object })));
        } catch (e) {
            problems.push({ propertyPath: f.path, reason: (e as Error).message });
        }
    }
    return [...problems, ...duplicateObjectProblems(objects)];
}
