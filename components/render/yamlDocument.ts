import YAML, { ToStringOptions } from "yaml";
import { hashHeader } from "./header";

/**
 * Options for YAML the Kubernetes components read. Their parsers follow YAML 1.1, where plain
 * scalars such as `yes`, `on`, `y` or `0755` are booleans or numbers: emitting in 1.1 mode quotes
 * such strings. `lineWidth: 0` keeps long values (base64 data) on one line.
 */
export const YAML_OPTIONS: ToStringOptions & { version: "1.1" } = { version: "1.1", lineWidth: 0 };

/** A Kubernetes-style YAML file: the managed-by header, then `apiVersion`, `kind` and the rest of the object. Pure. */
export function renderYamlDocument(apiVersion: string, kind: string, body: Record<string, unknown>): string {
    return hashHeader() + YAML.stringify({ apiVersion, kind, ...body }, YAML_OPTIONS);
}
