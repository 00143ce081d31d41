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
            const o = item as KubeObject;
            const meta = (o && typeof o === "object" ? o.metadata : undefined) as { name?: unknown } | undefined;
            if (!o || typeof o !== "object" || Array.isArray(o) || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof meta?.name !== "string" || !meta.name) {
                throw new Error(`${source}: document ${i + 1} is not a Kubernetes object with apiVersion, kind and metadata.name`);
            }
            out.push(o);
        }
    });
    return out;
}

/** Every problem with the manifest files (missing, unreadable YAML, bad objects, an object twice). Pure. */
export function manifestProblems(files: ReadonlyArray<{ path: string; file: string; text: string | undefined }>): Array<{ propertyPath: string; reason: string }> {
    const problems: Array<{ propertyPath: string; reason: string }> = [];
    const seen = new Map<string, string>();
    for (const f of files) {
        if (f.text === undefined) { problems.push({ propertyPath: f.path, reason: `manifest file ${JSON.stringify(f.file)} does not exist` }); continue; }
        let objects: KubeObject[];
        try { objects = parseManifest(f.text, f.file); } catch (e) { problems.push({ propertyPath: f.path, reason: (e as Error).message }); continue; }
        for (const o of objects) {
            const key = objectKey(identityOf(o));
            const name = `${o.kind} ${(o.metadata as { name: string }).name}`;
            if (seen.has(key)) problems.push({ propertyPath: f.path, reason: `${name} is declared twice (also in ${seen.get(key)})` });
            else seen.set(key, f.file);
        }
    }
    return problems;
}
